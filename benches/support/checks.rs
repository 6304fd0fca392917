//! The speed targets' verdicts: gathered through the run, printed together at its end.

/// One target and whether this run met it.
pub(crate) struct Check {
    pub(crate) name: String,
    pub(crate) ok: bool,
    pub(crate) detail: String,
}

/// Prints every verdict under `== targets`, one line each.
pub(crate) fn print(checks: &[Check]) {
    println!("\n== targets");
    for c in checks {
        println!(
            "{} {:<58} {}",
            if c.ok { "PASS" } else { "FAIL" },
            c.name,
            c.detail
        );
    }
}
