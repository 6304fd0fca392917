//! Progress on stderr: a line updated in place on a terminal, plain lines when piped.

use std::io::{IsTerminal, Write};

/// A progress line: rewritten in place on a terminal, a plain line otherwise (so piped
/// output has no escape codes).
fn progress_line(terminal: bool, done: usize, total: usize, what: &str) -> String {
    if terminal {
        format!("\r\x1b[2K[{done}/{total}] {what}")
    } else {
        format!("[{done}/{total}] {what}\n")
    }
}

/// Shows that `done` of `total` steps are done and what comes next.
pub(crate) fn progress(done: usize, total: usize, what: &str) {
    let mut err = std::io::stderr();
    let _ = write!(
        err,
        "{}",
        progress_line(err.is_terminal(), done, total, what)
    );
    if done == total && err.is_terminal() {
        let _ = writeln!(err);
    }
    let _ = err.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_has_no_escape_codes_off_a_terminal() {
        let piped = progress_line(false, 3, 10, "scale on 1000");
        assert_eq!(piped, "[3/10] scale on 1000\n");
        assert!(!piped.contains('\x1b') && !piped.contains('\r'));
        assert!(progress_line(true, 3, 10, "x").starts_with("\r\x1b[2K"));
    }
}
