"""User- and file-supplied strings shown as text, never as markup.

Class names, file names, model names and layer or node names come from uploads. Shown
through Markdown (Streamlit's text elements) or Plotly's pseudo-HTML (titles, ticks,
hover labels), ``**BIG**`` would be bold and ``![px](http://host/x.png)`` an image the
browser fetches. Every such string goes through one of these two on its way out.
"""

import html
import re
from collections.abc import Iterable

# Characters that make Markdown (CommonMark, GitHub's tables, Streamlit's colour and
# icon directives) wherever they stand, and those that do at the start of a line.
INLINE = re.compile(r"([\\`*_\[\]<>!|~$#])|:(?=[A-Za-z])")
# A zero-width space keeps a web address from becoming a link (GFM links bare ones).
NO_AUTOLINK = (("://", ":/\u200b/"), ("www.", "www\u200b."))
LEADING = re.compile(r"^(\s*)([-+=]|\d+\.)")


def md(text: object) -> str:
    """``text`` escaped for Markdown: it shows as written, on one line.

    >>> md("**BIG** ![px](x.png) :red[alarm] at 10:30")
    '\\\\*\\\\*BIG\\\\*\\\\* \\\\!\\\\[px\\\\](x.png) \\\\:red\\\\[alarm\\\\] at 10:30'
    >>> "http://" in md("see http://host/x")  # not a link either
    False
    >>> md("- 1. not a list")
    '\\\\- 1. not a list'
    """
    one_line = " ".join(str(text).splitlines())
    for address, broken in NO_AUTOLINK:
        one_line = one_line.replace(address, broken)
    escaped = INLINE.sub(lambda m: "\\" + m.group(0), one_line)
    return LEADING.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def plain(text: object) -> str:
    """``text`` escaped for HTML, and for Plotly's pseudo-HTML labels.

    >>> plain('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    return html.escape(str(text), quote=True)


def plain_all(texts: Iterable[object]) -> list[str]:
    return [plain(t) for t in texts]
