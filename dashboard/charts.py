"""Charts drawn by the portal itself, as SVG: nothing is fetched from another site.

A bar chart is a template (templates/dashboard/_bars.html) over the geometry worked out here; each bar
carries its label and its number as text, so that it reads without colour, and the page shows the same
numbers as a table. The world map is pygal_maps_world's, with pygal's script left out.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .selectors import Chart

_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
WIDTH = 400  # the viewBox's width: about a phone's column, so that the text stays its size there
ROW = 46  # a label line, then the bar
BAR = 14
TEXT_ROOM = 90  # the number written after the longest bar


@dataclass
class DrawnBar:
    label: str
    text: str
    label_y: int
    bar_y: int
    width: float
    extent: float | None  # the outline of a capacity, when there is one
    text_x: float


@dataclass
class Drawing:
    height: int
    bars: list[DrawnBar]
    bar_height: int = BAR
    width: int = WIDTH


def bar_chart(chart: Chart) -> Drawing:
    room = WIDTH - TEXT_ROOM
    scale = room / chart.maximum
    bars = []
    for index, bar in enumerate(chart.bars):
        top = index * ROW
        width = max(bar.value * scale, 1 if bar.value else 0)
        extent = bar.extent * scale if bar.extent else None
        bars.append(DrawnBar(bar.label, bar.text, top + 17, top + 24, round(width, 1),
                             round(extent, 1) if extent else None, round(max(width, extent or 0) + 6, 1)))
    return Drawing(height=max(len(bars) * ROW, ROW), bars=bars)


def world_map(countries: Chart) -> str:
    """The trainees by country on a world map, as an SVG document."""
    from pygal.style import Style
    from pygal_maps_world.maps import World

    style = Style(background="white", plot_background="white", colors=("#1f4e79",),
                  font_family="system-ui, sans-serif")
    drawing = World(js=[], style=style, show_legend=False, disable_xml_declaration=True,
                    title=_("Trainees by country"), print_values=False)
    drawing.add(_("Trainees"), {str(code).lower(): count for code, _name, count in countries.rows})
    # pygal writes its configuration for its tooltip script as an inline script even without the script:
    # nothing to run, so none is served.
    return _SCRIPT.sub("", drawing.render(is_unicode=True))
