//! Inline SVG charts drawn in Rust: no script, no network, readable offline.
//! Every chart is a fixed viewBox that scales to its container's width.

use std::fmt::Write;

use crate::html::esc;

/// A palette that stays distinguishable for common colour blindness.
pub const PALETTE: [&str; 8] = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"];

/// A chart label in both languages; the page's language switch shows one.
#[derive(Debug, Clone, PartialEq)]
pub struct Bi {
    pub zh: String,
    pub en: String,
}

impl Bi {
    pub fn new(zh: &str, en: &str) -> Bi {
        Bi { zh: zh.into(), en: en.into() }
    }
    /// The same text in both languages (a name, a date).
    pub fn same(s: &str) -> Bi {
        Bi::new(s, s)
    }
    /// Tooltip text: both languages, since a `<title>` cannot follow the switch.
    fn both(&self) -> String {
        if self.zh == self.en {
            self.en.clone()
        } else {
            format!("{} {}", self.zh, self.en)
        }
    }
    /// Approximate width in px at `font_px`: CJK characters are square, Latin about half.
    fn width(&self, font_px: f64) -> f64 {
        let w = |s: &str| s.chars().map(|c| if c > '\u{2E80}' { 1.0 } else { 0.55 }).sum::<f64>() * font_px;
        w(&self.zh).max(w(&self.en))
    }
}

/// A `<text>` per language (`lang="zh"` / `lang="en"`, hidden by the page's CSS), or one
/// when both say the same. `attrs` holds position, anchor and class.
fn text_bi(out: &mut String, attrs: &str, label: &Bi) {
    if label.zh == label.en {
        let _ = write!(out, r#"<text {attrs}>{}</text>"#, esc(&label.en));
    } else {
        let _ = write!(
            out,
            r#"<text {attrs} lang="zh">{}</text><text {attrs} lang="en">{}</text>"#,
            esc(&label.zh),
            esc(&label.en)
        );
    }
}

/// One line of a line chart: points as (x, y); x is usually a day number.
pub struct Series {
    pub label: Bi,
    pub color: String,
    pub points: Vec<(f64, f64)>,
}

/// A vertical marker on a line chart at `x` (e.g. where the life status changed).
pub struct Marker {
    pub x: f64,
    pub label: Bi,
    pub color: String,
    /// Tooltip: what happened there.
    pub title: String,
}

/// A coloured span of the x axis, from `from` to `to` (e.g. weeks with one status).
pub struct Band {
    pub from: f64,
    pub to: f64,
    pub color: String,
    pub title: String,
}

/// A bar of a bar chart.
pub struct Bar {
    pub label: Bi,
    pub value: f64,
    pub color: String,
}

const W: f64 = 640.0;
const H: f64 = 220.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

fn open(class: &str, label: &str, height: f64) -> String {
    format!(
        r#"<svg class="chart {class}" viewBox="0 0 {W} {height}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        esc(label)
    )
}

/// A "nice" axis maximum: 1, 2 or 5 times a power of ten at or above `v`.
pub fn nice_max(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * p >= v {
            return m * p;
        }
    }
    10.0 * p
}

fn fmt_num(v: f64) -> String {
    if v.abs() >= 10_000.0 {
        format!("{:.0}k", v / 1000.0)
    } else if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}").trim_end_matches('0').to_string()
    }
}

/// A line chart. `x_label` turns an x value into axis text (e.g. day → date).
pub fn line_chart(label: &str, series: &[Series], x_label: &dyn Fn(f64) -> String) -> String {
    line_chart_marked(label, series, x_label, &[], &[])
}

/// Height of the strip above the plot that holds marker labels, and their two rows.
const MARKER_HEADER: f64 = 30.0;
const MARKER_ROWS: [f64; 2] = [TOP + 4.0, TOP + 17.0];

/// A line chart with vertical markers (each with a short label that follows the
/// language; a label that finds no room is left to the tooltip) and coloured bands
/// drawn as a strip along the x axis (e.g. the life status week by week).
pub fn line_chart_marked(
    label: &str,
    series: &[Series],
    x_label: &dyn Fn(f64) -> String,
    markers: &[Marker],
    bands: &[Band],
) -> String {
    let header = if markers.is_empty() { 0.0 } else { MARKER_HEADER };
    let height = H + header;
    let mut out = open("line", label, height);
    let pts = series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1, mut y1) = (f64::MAX, f64::MIN, 0f64);
    for &(x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        let _ =
            write!(out, r#"<text x="320" y="{:.1}" text-anchor="middle" class="empty">–</text></svg>"#, height / 2.0);
        return out;
    }
    if x1 == x0 {
        x1 = x0 + 1.0;
    }
    let y1 = nice_max(y1);
    let top = TOP + header;
    let bottom = height - BOTTOM;
    let sx = |x: f64| LEFT + (x - x0) / (x1 - x0) * (W - LEFT - RIGHT);
    let sy = |y: f64| top + (1.0 - y / y1) * (bottom - top);
    axes(&mut out, y1, &|y| sy(y));
    for i in 0..=4 {
        let x = x0 + (x1 - x0) * f64::from(i) / 4.0;
        let anchor = match i {
            0 => "start",
            4 => "end",
            _ => "middle",
        };
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="{anchor}" class="tick">{}</text>"#,
            sx(x),
            height - 6.0,
            esc(&x_label(x))
        );
    }
    for band in bands {
        let (a, b) = (sx(band.from.clamp(x0, x1)), sx(band.to.clamp(x0, x1)));
        if b > a {
            let _ = write!(
                out,
                r#"<rect class="band" x="{a:.1}" y="{:.1}" width="{:.1}" height="5" fill="{}"><title>{}</title></rect>"#,
                bottom + 1.0,
                b - a,
                esc(&band.color),
                esc(&band.title)
            );
        }
    }
    // Markers before the data line, so the line is drawn over them.
    let mut row_end = [f64::MIN; MARKER_ROWS.len()];
    for m in markers {
        let px = sx(m.x.clamp(x0, x1));
        let _ = write!(
            out,
            r#"<g class="status-change"><title>{}</title><line x1="{px:.1}" x2="{px:.1}" y1="{:.1}" y2="{bottom:.1}" stroke="{}" stroke-width="1" stroke-opacity="0.8" stroke-dasharray="4 3"/>"#,
            esc(&m.title),
            TOP - 6.0,
            esc(&m.color)
        );
        // Right of the line, or left of it near the right edge, in the first row with room.
        let w = m.label.width(11.0);
        let right = px + 3.0 + w <= W - RIGHT;
        let (from, to) = if right { (px + 3.0, px + 3.0 + w) } else { (px - 3.0 - w, px - 3.0) };
        if let Some(row) = row_end.iter().position(|&end| from > end + 4.0) {
            row_end[row] = to;
            let anchor = if right { "start" } else { "end" };
            let x = if right { px + 3.0 } else { px - 3.0 };
            let attrs = format!(
                r#"x="{x:.1}" y="{:.1}" text-anchor="{anchor}" class="marker" fill="{}""#,
                MARKER_ROWS[row],
                esc(&m.color)
            );
            text_bi(&mut out, &attrs, &m.label);
        }
        out.push_str("</g>");
    }
    for s in series {
        let mut d = String::new();
        for (i, &(x, y)) in s.points.iter().enumerate() {
            let _ = write!(d, "{}{:.1},{:.1}", if i == 0 { "M" } else { "L" }, sx(x), sy(y));
        }
        let _ = write!(
            out,
            r#"<path d="{d}" fill="none" stroke="{}" stroke-width="1.6"><title>{}</title></path>"#,
            esc(&s.color),
            esc(&s.label.both())
        );
    }
    // One line needs no legend: the heading says what it is.
    if series.len() > 1 {
        legend(&mut out, top, series.iter().map(|s| (&s.label, s.color.as_str())));
    }
    out.push_str("</svg>");
    out
}

fn axes(out: &mut String, y_max: f64, sy: &dyn Fn(f64) -> f64) {
    for i in 0..=4 {
        let y = y_max * f64::from(i) / 4.0;
        let py = sy(y);
        let _ = write!(
            out,
            r#"<line x1="{LEFT}" x2="{:.1}" y1="{py:.1}" y2="{py:.1}" class="grid"/><text x="{:.1}" y="{:.1}" text-anchor="end" class="tick">{}</text>"#,
            W - RIGHT,
            LEFT - 4.0,
            py + 4.0,
            fmt_num(y)
        );
    }
}

fn legend<'a>(out: &mut String, top: f64, items: impl Iterator<Item = (&'a Bi, &'a str)>) {
    let mut x = LEFT + 4.0;
    for (label, color) in items {
        let _ = write!(out, r#"<rect x="{x:.1}" y="{:.1}" width="10" height="10" fill="{}"/>"#, top - 2.0, esc(color));
        text_bi(out, &format!(r#"x="{:.1}" y="{:.1}" class="legend""#, x + 14.0, top + 7.0), label);
        x += 24.0 + label.width(11.0);
    }
}

/// Vertical bars with labels under them; each bar may carry its own colour.
pub fn bar_chart(label: &str, bars: &[Bar]) -> String {
    let mut out = open("bars", label, H);
    let y1 = nice_max(bars.iter().map(|b| b.value).fold(0.0, f64::max));
    let sy = |y: f64| TOP + (1.0 - y / y1) * (H - TOP - BOTTOM);
    axes(&mut out, y1, &|y| sy(y));
    let n = bars.len().max(1) as f64;
    let slot = (W - LEFT - RIGHT) / n;
    for (i, bar) in bars.iter().enumerate() {
        let x = LEFT + slot * i as f64 + slot * 0.15;
        let y = sy(bar.value);
        let _ = write!(
            out,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{}: {}</title></rect>"#,
            slot * 0.7,
            (H - BOTTOM - y).max(0.0),
            esc(&bar.color),
            esc(&bar.label.both()),
            fmt_num(bar.value),
        );
        text_bi(
            &mut out,
            &format!(r#"x="{:.1}" y="{:.1}" text-anchor="middle" class="tick""#, x + slot * 0.35, H - 10.0),
            &bar.label,
        );
    }
    out.push_str("</svg>");
    out
}

/// Stacked bars: one bar per category, one stack segment per series.
pub fn stacked_bars(label: &str, categories: &[String], stacks: &[(Bi, String, Vec<f64>)]) -> String {
    let mut out = open("stacked", label, H);
    let totals: Vec<f64> =
        (0..categories.len()).map(|i| stacks.iter().map(|s| s.2.get(i).copied().unwrap_or(0.0)).sum()).collect();
    let y1 = nice_max(totals.iter().copied().fold(0.0, f64::max));
    let sy = |y: f64| TOP + (1.0 - y / y1) * (H - TOP - BOTTOM);
    axes(&mut out, y1, &|y| sy(y));
    let n = categories.len().max(1) as f64;
    let slot = (W - LEFT - RIGHT) / n;
    let label_every = (categories.len() / 8).max(1);
    for (i, cat) in categories.iter().enumerate() {
        let x = LEFT + slot * i as f64 + slot * 0.1;
        let mut base = 0.0;
        for (name, color, values) in stacks {
            let v = values.get(i).copied().unwrap_or(0.0);
            if v <= 0.0 {
                continue;
            }
            let (ya, yb) = (sy(base + v), sy(base));
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{ya:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{} · {}: {}</title></rect>"#,
                slot * 0.8,
                (yb - ya).max(0.0),
                esc(color),
                esc(cat),
                esc(&name.both()),
                fmt_num(v)
            );
            base += v;
        }
        if i % label_every == 0 {
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" class="tick">{}</text>"#,
                x + slot * 0.4,
                H - 10.0,
                esc(cat)
            );
        }
    }
    legend(&mut out, TOP, stacks.iter().map(|s| (&s.0, s.1.as_str())));
    out.push_str("</svg>");
    out
}

/// A heat map of shares 0–1 (e.g. cohort retention); None cells are blank.
pub fn heatmap(label: &str, rows: &[String], cols: &[String], values: &[Vec<Option<f64>>]) -> String {
    let cell_h = 18.0;
    let height = TOP + BOTTOM + cell_h * rows.len().max(1) as f64;
    let mut out = open("heatmap", label, height);
    let left = 96.0;
    let cell_w = (W - left - RIGHT) / cols.len().max(1) as f64;
    for (j, c) in cols.iter().enumerate() {
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" class="tick">{}</text>"#,
            left + cell_w * (j as f64 + 0.5),
            TOP + 2.0,
            esc(c)
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let y = TOP + 8.0 + cell_h * i as f64;
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" class="tick">{}</text>"#,
            left - 4.0,
            y + 13.0,
            esc(r)
        );
        for (j, v) in values.get(i).map(|v| v.as_slice()).unwrap_or(&[]).iter().enumerate() {
            let Some(v) = v else { continue };
            let v = v.clamp(0.0, 1.0);
            let _ = write!(
                out,
                r#"<rect x="{:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="rgba(78,121,167,{:.2})"><title>{} · {}: {:.0}%</title></rect><text x="{:.1}" y="{:.1}" text-anchor="middle" class="cell">{:.0}%</text>"#,
                left + cell_w * j as f64,
                cell_w - 1.0,
                cell_h - 1.0,
                0.1 + 0.9 * v,
                esc(r),
                esc(&cols[j]),
                v * 100.0,
                left + cell_w * (j as f64 + 0.5),
                y + 13.0,
                v * 100.0
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// A node of a network drawing.
pub struct Node {
    pub label: String,
    /// Relative size (messages, degree); drawn as the circle's area.
    pub weight: f64,
    pub color: String,
}

/// Draws an interaction network on a circle, heaviest node first at the top:
/// a star shows as spokes from one node, a mesh as a web across the circle.
pub fn network(label: &str, nodes: &[Node], edges: &[(usize, usize, f64)]) -> String {
    let size = 320.0;
    let mut out = format!(
        r#"<svg class="chart network" viewBox="0 0 {W} {size}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        esc(label)
    );
    let n = nodes.len();
    if n == 0 {
        out.push_str("</svg>");
        return out;
    }
    let (cx, cy, r) = (W / 2.0, size / 2.0, size / 2.0 - 36.0);
    let pos: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / n as f64 - std::f64::consts::FRAC_PI_2;
            (cx + r * a.cos(), cy + r * a.sin())
        })
        .collect();
    let max_w = edges.iter().map(|e| e.2).fold(1.0, f64::max);
    for &(a, b, w) in edges {
        if a >= n || b >= n {
            continue;
        }
        let _ = write!(
            out,
            r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="gray" stroke-opacity="{:.2}" stroke-width="{:.1}"/>"#,
            pos[a].0,
            pos[a].1,
            pos[b].0,
            pos[b].1,
            0.25 + 0.6 * w / max_w,
            0.5 + 3.0 * w / max_w
        );
    }
    let max_n = nodes.iter().map(|x| x.weight).fold(1.0, f64::max);
    for (i, node) in nodes.iter().enumerate() {
        let rad = 3.0 + 12.0 * (node.weight / max_n).sqrt();
        let (x, y) = pos[i];
        let _ = write!(
            out,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="{rad:.1}" fill="{}"><title>{}</title></circle>"#,
            esc(&node.color),
            esc(&node.label)
        );
        if n <= 30 {
            let anchor = if x < cx - 1.0 {
                "end"
            } else if x > cx + 1.0 {
                "start"
            } else {
                "middle"
            };
            // Beside the circle; above or below it for the nodes at the top and bottom.
            let (dx, dy) = if x < cx - 1.0 {
                (-rad - 3.0, 4.0)
            } else if x > cx + 1.0 {
                (rad + 3.0, 4.0)
            } else if y < cy {
                (0.0, -rad - 4.0)
            } else {
                (0.0, rad + 12.0)
            };
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="{anchor}" class="tick">{}</text>"#,
                x + dx,
                y + dy,
                esc(&node.label)
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_max_rounds_up() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(120.0), 200.0);
        assert_eq!(nice_max(3000.0), 5000.0);
    }

    #[test]
    fn labels_in_charts_are_escaped() {
        let svg = bar_chart("x", &[Bar { label: Bi::same("<script>"), value: 3.0, color: PALETTE[0].into() }]);
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
        let svg = network("n", &[Node { label: "<b onmouseover=x>".into(), weight: 1.0, color: "#000".into() }], &[]);
        assert!(!svg.contains("<b "));
    }

    #[test]
    fn line_chart_scales_points_into_the_plot() {
        let s = Series { label: Bi::same("msgs"), color: "#000".into(), points: vec![(0.0, 0.0), (10.0, 5.0)] };
        let svg = line_chart("t", &[s], &|x| format!("{x}"));
        // The last point sits at the right edge, and 5 on a 0–5 axis at the top.
        assert!(svg.contains(&format!("L{:.1},{:.1}", W - RIGHT, TOP)), "{svg}");
    }

    #[test]
    fn bar_labels_carry_one_text_per_language() {
        let svg = bar_chart("s", &[Bar { label: Bi::new("活跃", "alive"), value: 2.0, color: "#000".into() }]);
        assert!(svg.contains(r#"lang="zh">活跃</text>"#) && svg.contains(r#"lang="en">alive</text>"#), "{svg}");
        assert!(!svg.contains(">活跃 alive</text>"), "no label shows both languages at once");
    }

    #[test]
    fn markers_draw_a_line_and_a_label_per_language_inside_the_plot() {
        let s = Series { label: Bi::same("m"), color: "#000".into(), points: vec![(0.0, 1.0), (100.0, 2.0)] };
        let marker = |x: f64, zh: &str, en: &str| Marker {
            x,
            label: Bi::new(zh, en),
            color: "#ef6c00".into(),
            title: format!("{en} <x>"),
        };
        let markers =
            [marker(50.0, "衰退", "declining"), marker(51.0, "休眠", "dormant"), marker(100.0, "死亡", "dead")];
        let band = Band { from: -10.0, to: 50.0, color: "#2e7d32".into(), title: "alive".into() };
        let svg = line_chart_marked("t", &[s], &|x| format!("{x}"), &markers, &[band]);
        assert_eq!(svg.matches(r#"<g class="status-change">"#).count(), 3);
        let mid = LEFT + 0.5 * (W - LEFT - RIGHT);
        assert!(svg.contains(&format!(r#"x1="{mid:.1}" x2="{mid:.1}""#)), "{svg}");
        assert!(svg.contains(r#"lang="zh">衰退</text>"#) && svg.contains(r#"lang="en">declining</text>"#));
        // Two markers a pixel apart: the second label goes to the next row, not on top.
        let y_of = |label: &str| {
            let at = svg.find(&format!(">{label}</text>")).unwrap();
            let start = svg[..at].rfind("<text").unwrap();
            svg[start..at].split("y=\"").nth(1).unwrap().split('"').next().unwrap().to_string()
        };
        assert_ne!(y_of("declining"), y_of("dormant"));
        // The marker at the right edge puts its label to the left of the line.
        assert!(
            svg.contains(&format!(r#"x="{:.1}" y="{:.1}" text-anchor="end""#, W - RIGHT - 3.0, MARKER_ROWS[0])),
            "{svg}"
        );
        assert!(!svg.contains("<x>"), "titles are escaped");
        // The band is clipped to the plot: from its left edge to the middle.
        assert!(
            svg.contains(&format!(
                r#"x="{LEFT:.1}" y="{:.1}" width="{:.1}""#,
                H + MARKER_HEADER - BOTTOM + 1.0,
                mid - LEFT
            )),
            "{svg}"
        );
    }

    #[test]
    fn axis_numbers_have_no_trailing_zeros() {
        assert_eq!(fmt_num(12.5), "12.5");
        assert_eq!(fmt_num(0.25), "0.25");
        assert_eq!(fmt_num(20.0), "20");
        assert_eq!(fmt_num(25_000.0), "25k");
    }

    #[test]
    fn heatmap_skips_missing_cells() {
        let svg = heatmap("h", &["w1".into()], &["1".into(), "4".into()], &[vec![Some(0.5), None]]);
        assert_eq!(svg.matches("<rect").count(), 1);
        assert!(svg.contains("50%"));
    }
}
