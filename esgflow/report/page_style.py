"""The report page's style, for the screen and for print on A4 landscape, with no file from the internet."""

STYLE = """
body{font-family:'Noto Sans CJK SC','Microsoft YaHei',Arial,sans-serif;margin:2em;color:#222;line-height:1.4}
/* a CJK font draws curly quotes, dashes and × full width: English takes a Latin font first */
html[lang=en] body{font-family:'Segoe UI',Arial,'Liberation Sans','DejaVu Sans','Noto Sans CJK SC',sans-serif}
h1{margin-bottom:.2em}
section.provisional{border:3px solid #c0392b;background:#fdecea;padding:8px 14px;margin:.8em 0;max-width:70em}
p.provisional-mark{color:#c0392b;font-weight:bold;font-size:1.5em;letter-spacing:.08em;margin:.1em 0}
section.provisional ul{margin:.3em 0;padding-left:1.2em}h2{margin-top:1.6em}p{max-width:70em}
nav.contents{background:#f5f7fa;border:1px solid #dde3ea;padding:6px 12px;display:inline-block}
nav.contents a{margin-right:1.4em;color:#2f6fb0;text-decoration:none}
table{border-collapse:collapse;margin-bottom:1.5em}
table.appendix{width:100%;max-width:1500px}th,td{border:1px solid #ccc;padding:4px 8px}
th{background:#ddebf7;position:sticky;top:0;z-index:1;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th.num{text-align:right}td.unit{white-space:nowrap}
td.computed{background:#f3f9ee}svg{vertical-align:middle;display:block}td.trend{padding:0 4px}
svg.trend line.line{stroke:#2f6fb0;stroke-width:1.6}
svg.trend line.gap{stroke:#2f6fb0;stroke-width:1.2;stroke-dasharray:3 3}
svg.trend line.axis{stroke:#bbb;stroke-width:1}svg.trend circle{fill:#2f6fb0}
svg.trend text{font-size:10px;text-anchor:middle;font-family:Arial,'Noto Sans CJK SC',sans-serif}
svg.trend text.value{fill:#1d4f80}svg.trend text.year{fill:#888}
svg.trend text.missing{fill:#c0392b;font-style:italic}
td.differs{background:#fff2cc;outline:2px solid #e0a800;outline-offset:-2px}
td.contradicted{background:#fde2e1;outline:2px solid #c0392b;outline-offset:-2px}
a.mark{font-weight:bold;text-decoration:none;margin-left:3px}td.differs a.mark{color:#8a6500}
td.contradicted a.mark{color:#c0392b}p.legend span{margin-right:2em;display:inline-block}
td.unpublished{background:#eef3fb;outline:1px dashed #2f6fb0;outline-offset:-2px}
td.unpublished span.mark{color:#2f6fb0;font-weight:bold;margin-left:3px}p.significant{color:#c0392b}
p.note{color:#555;font-size:.92em}
section.explained{border-left:4px solid #e0a800;padding-left:12px}
section.explained.own{border-left-color:#c0392b}
details.index{margin-top:2em;border-top:1px solid #ccc;padding-top:.5em}
details.index>summary{cursor:pointer;font-size:1.2em;font-weight:bold;color:#2f6fb0}
table.index{font-size:.9em}table.index td{vertical-align:top;padding:2px 6px}
table.index td.item{white-space:nowrap;font-weight:bold}
table.index tr.explain td{background:#fde2e1}span.explain{color:#fff;background:#c0392b;border-radius:3px;
padding:1px 6px;font-size:.85em;white-space:nowrap}table.index a{color:#2f6fb0;text-decoration:none}
table.index td.chapter{color:#666}
p.signoff{border-left:4px solid #2e7d32;background:#edf7ed;padding:6px 10px}
sup.estimate{color:#7b4fa0;font-weight:bold;margin-left:2px;cursor:help}p.estimates{color:#555}
@page{size:A4 landscape;margin:10mm}
@media print{
body{margin:0;font-size:8.5pt}nav.contents{display:none}th{position:static}
thead{display:table-header-group}tr{break-inside:avoid}h2,h3{break-after:avoid}
table{width:100%}td,th{padding:2px 4px}
/* the trend charts are for the screen: on paper they made every row tall and the tables sparse (8 A4 pages) */
td.trend,th.trend,p.charts{display:none}
details.index{display:none}a{color:inherit}
}
"""
