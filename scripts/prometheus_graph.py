#!/usr/bin/env python3
"""Draws a run of scripts/prometheus-check.sh as an SVG, from Prometheus's query_range API.

    prometheus_graph.py PROMETHEUS_URL START END FAULT_AT HEALTHY_INSTANCE FAULTY_INSTANCE OUT.svg

Four panels over time, one line per instance: invocations/s, the 5xx ratio, 503 rejections/s and
the p90 latency, each from the recording rules of deploy/prometheus. Standard library only.
"""
import json
import sys
import urllib.parse
import urllib.request

PANELS = [
    ("invocations / s", "instance:swerve_invocations:rate1m", 1, "{:.0f}"),
    ("5xx ratio (of invocations)", "instance:swerve_invocations_5xx:ratio_rate1m", 100, "{:.0f}%"),
    ("503 rejections / s", "instance:swerve_rejected_requests:rate1m", 1, "{:.0f}"),
    ("p90 latency (ms)", "instance:http_server_request_duration_seconds:p90_1m", 1000, "{:.1f}"),
]
COLOURS = {"healthy": "#1f77b4", "faulty": "#d62728"}


def query_range(prometheus, expr, start, end):
    query = urllib.parse.urlencode({"query": expr, "start": start, "end": end, "step": 1})
    with urllib.request.urlopen(f"{prometheus}/api/v1/query_range?{query}", timeout=10) as response:
        return json.load(response)["data"]["result"]


def main():
    prometheus, start, end, fault_at = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    healthy, faulty, out = sys.argv[5], sys.argv[6], sys.argv[7]
    alerts = query_range(prometheus, 'ALERTS{alertstate="firing"}', start, end)
    firing = [(s["metric"]["alertname"], float(s["values"][0][0])) for s in alerts if s["metric"].get("instance") == faulty]
    width, panel_height, left, top = 900, 150, 70, 40
    height = top + len(PANELS) * (panel_height + 40) + 46
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="{left}" y="22" font-size="15">Prometheus, scripts/prometheus-check.sh: two Swerve instances (churn), '
           'a saturation burst against one</text>']
    plot_width = width - left - 150
    x = lambda t: left + (t - start) / max(1, end - start) * plot_width
    for index, (title, expr, scale, label) in enumerate(PANELS):
        y0 = top + index * (panel_height + 40) + 20
        series = {}
        for result in query_range(prometheus, expr, start, end):
            role = "faulty" if result["metric"].get("instance") == faulty else "healthy"
            series[role] = [(float(t), float(v) * scale) for t, v in result["values"] if v not in ("NaN", "+Inf", "-Inf")]
        peak = max([v for points in series.values() for _, v in points] + [1e-9]) * 1.1
        if scale == 100:
            peak = min(peak, 100)
        y = lambda v: y0 + panel_height - v / peak * panel_height
        svg.append(f'<text x="{left}" y="{y0 - 6}" font-weight="bold">{title}</text>')
        svg.append(f'<rect x="{left}" y="{y0}" width="{plot_width}" height="{panel_height}" fill="none" stroke="#999"/>')
        for fraction in (0, 0.5, 1):
            value = peak * fraction
            svg.append(f'<text x="{left - 6}" y="{y(value) + 4}" text-anchor="end" fill="#555">{label.format(value)}</text>')
        svg.append(f'<line x1="{x(fault_at):.1f}" x2="{x(fault_at):.1f}" y1="{y0}" y2="{y0 + panel_height}" stroke="#777" stroke-dasharray="2,2"/>')
        for name, at in firing:
            svg.append(f'<line x1="{x(at):.1f}" x2="{x(at):.1f}" y1="{y0}" y2="{y0 + panel_height}" stroke="#ff7f0e" stroke-dasharray="4,3"/>')
        for role, points in series.items():
            if points:
                path = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in points)
                svg.append(f'<polyline points="{path}" fill="none" stroke="{COLOURS[role]}" stroke-width="1.8"/>')
        for offset, role in enumerate(("healthy", "faulty")):
            svg.append(f'<text x="{left + plot_width + 10}" y="{y0 + 15 + offset * 16}" fill="{COLOURS[role]}">{role} instance</text>')
    axis_y = top + len(PANELS) * (panel_height + 40)
    for second in range(0, int(end - start) + 1, 15):
        svg.append(f'<text x="{x(start + second):.1f}" y="{axis_y}" text-anchor="middle" fill="#555">{second}s</text>')
    legend = ", ".join(sorted({name for name, _ in firing})) or "none"
    svg.append(f'<text x="{left}" y="{axis_y + 20}" fill="#777">dotted grey: the saturation burst starts (16 users sending 1,000-row batches)</text>')
    svg.append(f'<text x="{left}" y="{axis_y + 36}" fill="#ff7f0e">dashed orange: alerts firing on the faulty instance ({legend}); rates are over 1 minute</text>')
    svg.append("</svg>")
    with open(out, "w") as handle:
        handle.write("\n".join(svg) + "\n")


if __name__ == "__main__":
    main()
