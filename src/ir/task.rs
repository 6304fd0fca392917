//! The call shapes: what a call asks of a backend, described once. `Device` hands a
//! [`Task`] to the backend it chose (and again to the CPU if an auto call's GPU attempt
//! fails); each backend runs every shape in one `match`.

use super::reduce::Reduce;

/// One call's inputs and where its values go.
#[derive(Debug)]
pub(crate) enum Task<'a, 'i, T> {
    /// Values into a fresh vector of `len` elements (each input `len` long).
    Fresh { inputs: &'a [&'i [T]], len: usize },
    /// Values into the caller's slice (each input as long as it).
    Into {
        inputs: &'a [&'i [T]],
        out: &'a mut [T],
    },
    /// A one-input kernel over `data`, written back over it; on an error `data` is unchanged.
    InPlace { data: &'a mut [T] },
    /// The fold of every run of 4,096 consecutive values (a CPU block, a GPU workgroup), in
    /// order; the caller folds those.
    Partials {
        inputs: &'a [&'i [T]],
        len: usize,
        how: Reduce,
    },
}

/// What a finished task gives back.
#[derive(Debug, PartialEq)]
pub(crate) enum Done<T> {
    /// A [`Task::Fresh`]'s values.
    Values(Vec<T>),
    /// A [`Task::Into`] or [`Task::InPlace`] wrote its values where it was told.
    Written,
    /// A [`Task::Partials`]'s folds.
    Partials(Vec<T>),
}

impl<T> Task<'_, '_, T> {
    /// Elements the call covers.
    pub(crate) fn len(&self) -> usize {
        match self {
            Task::Fresh { len, .. } | Task::Partials { len, .. } => *len,
            Task::Into { out, .. } => out.len(),
            Task::InPlace { data } => data.len(),
        }
    }

    /// What the task gives back when it covers no elements (no backend is asked).
    pub(crate) fn empty(&self) -> Done<T> {
        match self {
            Task::Fresh { .. } => Done::Values(Vec::new()),
            Task::Into { .. } | Task::InPlace { .. } => Done::Written,
            Task::Partials { .. } => Done::Partials(Vec::new()),
        }
    }
}
