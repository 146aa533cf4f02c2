from django.conf import settings
from django.core.management.base import BaseCommand

from hubportal.importexport import ExpiringUploadStorage


class Command(BaseCommand):
    help = "Delete admin import uploads that were previewed but never confirmed (run it from cron)."

    def add_arguments(self, parser):
        parser.add_argument("--max-age", type=int, default=settings.IMPORT_UPLOAD_MAX_AGE_SECONDS,
                            help="seconds an upload may wait for its confirmation")

    def handle(self, *args, **options):
        removed = ExpiringUploadStorage().purge_expired(options["max_age"])
        self.stdout.write(f"Deleted {removed} expired upload(s).")
