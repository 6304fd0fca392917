//! The grid as an SVG picture: throughput against size per backend, one panel per op.

use super::grid::Cell;

/// Throughput against size per backend, one panel per op, log axes, as SVG.
pub(crate) fn svg(cells: &[Cell]) -> String {
    const W: f64 = 420.0;
    const H: f64 = 300.0;
    const PAD: f64 = 50.0;
    let mut ops: Vec<&str> = Vec::new();
    for c in cells {
        if !ops.contains(&c.op.as_str()) {
            ops.push(&c.op);
        }
    }
    let backends = ["serial", "cpu", "gpu", "auto"];
    let colors = ["#888888", "#1f77b4", "#d62728", "#2ca02c"];
    let positive = |v: f64| v.is_finite() && v > 0.0;
    let (mut nmin, mut nmax, mut gmin, mut gmax) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for c in cells.iter().filter(|c| positive(c.gbs)) {
        nmin = nmin.min(c.n as f64);
        nmax = nmax.max(c.n as f64);
        gmin = gmin.min(c.gbs);
        gmax = gmax.max(c.gbs);
    }
    if nmin > nmax {
        (nmin, nmax, gmin, gmax) = (1.0, 10.0, 0.1, 1.0);
    }
    let (lx0, lx1) = (
        nmin.log10().floor(),
        nmax.log10().ceil().max(nmin.log10().floor() + 1.0),
    );
    let (ly0, ly1) = (
        gmin.log10().floor(),
        gmax.log10().ceil().max(gmin.log10().floor() + 1.0),
    );
    let width = W * ops.len().max(1) as f64;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"11\">\n",
        H + 30.0
    );
    out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    for (k, op) in ops.iter().enumerate() {
        let x0 = k as f64 * W;
        let px = |n: f64| x0 + PAD + (n.log10() - lx0) / (lx1 - lx0) * (W - PAD - 15.0);
        let py = |g: f64| H - PAD + 20.0 - (g.log10() - ly0) / (ly1 - ly0) * (H - PAD - 10.0);
        out += &format!(
            "<text x=\"{}\" y=\"15\" font-weight=\"bold\">{op}: GB/s against n</text>\n",
            x0 + PAD
        );
        out += &format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"black\"/>\n",
            x0 + PAD,
            py(10f64.powf(ly1)),
            W - PAD - 15.0,
            py(10f64.powf(ly0)) - py(10f64.powf(ly1))
        );
        for d in lx0 as i32..=lx1 as i32 {
            let x = px(10f64.powi(d));
            out += &format!(
                "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">1e{d}</text>\n",
                H - PAD + 35.0
            );
        }
        for d in ly0 as i32..=ly1 as i32 {
            let y = py(10f64.powi(d));
            out += &format!(
                "<text x=\"{}\" y=\"{y}\" text-anchor=\"end\">1e{d}</text>\n",
                x0 + PAD - 4.0
            );
        }
        for (b, color) in backends.iter().zip(colors) {
            let points: Vec<String> = cells
                .iter()
                .filter(|c| c.op == *op && c.backend == *b && positive(c.gbs))
                .map(|c| format!("{:.1},{:.1}", px(c.n as f64), py(c.gbs)))
                .collect();
            if !points.is_empty() {
                out += &format!(
                    "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{}\"/>\n",
                    points.join(" ")
                );
            }
        }
    }
    for (i, (b, color)) in backends.iter().zip(colors).enumerate() {
        let x = PAD + i as f64 * 90.0;
        out += &format!(
            "<rect x=\"{x}\" y=\"{}\" width=\"12\" height=\"4\" fill=\"{color}\"/><text x=\"{}\" y=\"{}\">{b}</text>\n",
            H + 15.0,
            x + 16.0,
            H + 20.0
        );
    }
    out + "</svg>\n"
}

#[cfg(test)]
mod tests {
    use super::super::grid::sample;
    use super::*;

    #[test]
    fn svg_is_well_formed_with_one_line_per_backend() {
        let text = svg(&sample());
        let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        let lines = root
            .descendants()
            .filter(|n| n.has_tag_name("polyline"))
            .count();
        assert_eq!(lines, 4);
        // an empty grid still makes a valid picture
        assert!(roxmltree::Document::parse(&svg(&[])).is_ok());
    }
}
