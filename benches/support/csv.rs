//! The grid as CSV, one row a measurement.

use super::grid::Cell;

/// The grid as CSV: `op,n,backend,median_seconds,gb_per_s,auto_chose`.
pub(crate) fn csv(cells: &[Cell]) -> String {
    let mut out = String::from("op,n,backend,median_seconds,gb_per_s,auto_chose\n");
    for c in cells {
        out += &format!(
            "{},{},{},{:e},{:.4},{}\n",
            c.op, c.n, c.backend, c.seconds, c.gbs, c.chose
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::grid::sample;
    use super::*;

    #[test]
    fn csv_has_a_header_and_one_parsable_row_per_cell() {
        let cells = sample();
        let text = csv(&cells);
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("op,n,backend,median_seconds,gb_per_s,auto_chose")
        );
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        assert_eq!(rows.len(), cells.len());
        for (row, cell) in rows.iter().zip(&cells) {
            assert_eq!(row.len(), 6);
            assert_eq!(row[0], cell.op);
            assert_eq!(row[1].parse::<usize>().unwrap(), cell.n);
            assert_eq!(row[2], cell.backend);
            let secs: f64 = row[3].parse().unwrap();
            assert!((secs - cell.seconds).abs() <= cell.seconds * 1e-9);
            assert!(row[4].parse::<f64>().is_ok());
        }
    }
}
