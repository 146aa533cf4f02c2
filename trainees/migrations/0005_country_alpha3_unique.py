from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('trainees', '0004_load_reference_countries'),
    ]

    operations = [
        migrations.AlterField(
            model_name='country',
            name='alpha3',
            field=models.CharField(max_length=3, unique=True, verbose_name='ISO alpha-3 code'),
        ),
        migrations.AlterField(
            model_name='country',
            name='who_region',
            field=models.CharField(blank=True, choices=[('AFR', 'African Region'), ('AMR', 'Region of the Americas'), ('SEAR', 'South-East Asia Region'), ('EUR', 'European Region'), ('EMR', 'Eastern Mediterranean Region'), ('WPR', 'Western Pacific Region')], max_length=4, verbose_name='WHO region'),
        ),
    ]
