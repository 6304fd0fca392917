//! Calls that don't block: the work runs on its own thread (it blocks there, on rayon's pool
//! or on the GPU's readback) and the caller gets a future that any executor can poll.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use crate::error::{Error, Result};

/// The result of a call running on another thread; resolves when it is done.
///
/// Runtime-agnostic: it needs no reactor, only the waker it is polled with.
#[must_use = "a Pending call's result is only seen by awaiting it"]
#[derive(Debug)]
pub struct Pending<R> {
    slot: Arc<Mutex<Slot<R>>>,
}

#[derive(Debug)]
struct Slot<R> {
    result: Option<Result<R>>,
    waker: Option<Waker>,
}

/// Runs `work` on a new thread and returns the future of its result.
pub(crate) fn spawn<R: Send + 'static>(
    work: impl FnOnce() -> Result<R> + Send + 'static,
) -> Pending<R> {
    let slot = Arc::new(Mutex::new(Slot {
        result: None,
        waker: None,
    }));
    let shared = Arc::clone(&slot);
    let spawned = std::thread::Builder::new()
        .name("compute-async".into())
        .spawn(move || {
            let result = work();
            let mut slot = shared.lock().unwrap_or_else(PoisonError::into_inner);
            slot.result = Some(result);
            if let Some(waker) = slot.waker.take() {
                waker.wake();
            }
        });
    if let Err(e) = spawned {
        let mut s = slot.lock().unwrap_or_else(PoisonError::into_inner);
        s.result = Some(Err(Error::Unsupported {
            what: format!("a thread for an async call: {e}"),
        }));
    }
    Pending { slot }
}

impl<R> Future for Pending<R> {
    type Output = Result<R>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<R>> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}
