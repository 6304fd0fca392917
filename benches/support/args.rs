//! `examples/compare`'s command line: what to measure and where to save the grid.

use std::path::PathBuf;

/// How to call it, printed with any mistake in the arguments.
pub(crate) const USAGE: &str = "usage: compare [--quick] [--ops scale,exp,mul,sum,...|all] [--sizes 10,1000,...] [--csv FILE] [--plot FILE]";

use super::ops::OPS;

/// Command-line options.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Args {
    pub(crate) quick: bool,
    pub(crate) ops: Option<Vec<String>>,
    pub(crate) sizes: Option<Vec<usize>>,
    pub(crate) csv: Option<PathBuf>,
    pub(crate) plot: Option<PathBuf>,
}

impl Args {
    pub(crate) fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
        let mut out = Args::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
            match arg.as_str() {
                "--quick" => out.quick = true,
                "--ops" => {
                    let given = value()?;
                    let ops: Vec<String> = if given == "all" {
                        OPS.iter().map(|s| s.to_string()).collect()
                    } else {
                        given.split(',').map(str::to_string).collect()
                    };
                    if let Some(bad) = ops.iter().find(|o| !OPS.contains(&o.as_str())) {
                        return Err(format!("unknown op {bad:?} (known: {})", OPS.join(", ")));
                    }
                    out.ops = Some(ops);
                }
                "--sizes" => {
                    let sizes: Result<Vec<usize>, _> = value()?
                        .split(',')
                        .map(|s| s.trim().replace('_', "").parse::<f64>().map(|v| v as usize))
                        .collect();
                    let sizes = sizes.map_err(|e| format!("bad --sizes: {e}"))?;
                    if sizes.contains(&0) {
                        return Err("sizes must be positive".into());
                    }
                    out.sizes = Some(sizes);
                }
                "--csv" => out.csv = Some(value()?.into()),
                "--plot" => out.plot = Some(value()?.into()),
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        Ok(out)
    }

    /// Whether only the grid was asked for.
    pub(crate) fn grid_only(&self) -> bool {
        self.ops.is_some() || self.sizes.is_some()
    }

    /// The grid's ops: those asked for (`all`: every op of the race), else four that show
    /// where each backend wins.
    pub(crate) fn grid_ops(&self) -> Vec<String> {
        self.ops
            .clone()
            .unwrap_or_else(|| ["scale", "exp", "mul", "sum"].map(String::from).to_vec())
    }

    /// The grid's sizes: those asked for, else 10 to 10^6 (`--quick`) or to 10^8.
    pub(crate) fn grid_sizes(&self) -> Vec<usize> {
        self.sizes.clone().unwrap_or_else(|| {
            if self.quick {
                vec![10, 1_000, 100_000, 1_000_000]
            } else {
                vec![10, 1_000, 100_000, 1_000_000, 10_000_000, 100_000_000]
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_parse_and_reject_mistakes() {
        let args = |s: &str| Args::parse(s.split_whitespace().map(String::from));
        let a =
            args("--quick --ops scale,exp --sizes 10,1e6,1_000 --csv o.csv --plot o.svg").unwrap();
        assert!(a.quick && a.grid_only());
        assert_eq!(a.ops, Some(vec!["scale".to_string(), "exp".to_string()]));
        assert_eq!(a.sizes, Some(vec![10, 1_000_000, 1_000]));
        assert_eq!(a.csv, Some("o.csv".into()));
        assert!(args("--ops nope").is_err());
        assert_eq!(
            args("--ops all").unwrap().ops.map(|o| o.len()),
            Some(OPS.len())
        );
        assert!(args("--sizes ten").is_err());
        assert!(args("--sizes 0").is_err());
        assert!(args("--csv").is_err());
        assert!(args("--frobnicate").is_err());
        assert_eq!(args("").unwrap(), Args::default());
    }
}
