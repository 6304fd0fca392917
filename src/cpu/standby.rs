//! Helpers that stay awake a little after their part of a call, so that the next call finds
//! them running instead of asleep.
//!
//! A helper handed to rayon after its worker went to sleep starts late: on the dev VM (a
//! 2-core KVM guest) waking a sleeping thread on an idle vCPU costs tens of microseconds, a
//! sixth of a call over 10^6 elements. numba's OpenMP threads spin after a parallel loop for
//! the same reason (with `OMP_WAIT_POLICY=passive` its `2*a + b` over 10^6 `f32` took 234 µs
//! a call instead of 124, 2026-12-07). So a helper that finishes its part waits on standby
//! for [`STANDBY`], spinning, and a call that finds one hands it its task directly; a call
//! that finds none spawns on rayon as before.
//!
//! Reservations keep every handed task taken: a call reserves a helper on standby (one less
//! [`IDLE`]) before it queues the task, and a helper leaves at its deadline only if it can
//! itself take one away from `IDLE`; when none is left, a task is queued or on its way for
//! each helper still spinning, so the helper waits for it. A task that starts late is still
//! correct: the team's claims tolerate a late or absent helper.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a helper spins on standby after its task: longer than the gap between two calls
/// in a loop (a few µs of Python or Rust between them) and than a vCPU's wake-up, short next
/// to anything a user would notice as a busy core. numba's OpenMP default spins ~0.3 M
/// times (`GOMP_SPINCOUNT`), a few hundred microseconds.
const STANDBY: Duration = Duration::from_micros(300);

/// A helper's part of a call.
type Task = Box<dyn FnOnce() + Send>;

/// Helpers on standby that no call has reserved.
static IDLE: AtomicUsize = AtomicUsize::new(0);

/// Helpers in [`stand_by`] (on standby, reserved, or running a task handed to them), all
/// threads of rayon's global pool: at most one fewer than its threads, so that with the
/// caller they never outnumber the cores (two spinning helpers on two cores would halve the
/// caller).
static STANDING: AtomicUsize = AtomicUsize::new(0);

/// Tasks handed to reserved helpers, not yet taken.
static QUEUE: Mutex<Vec<Task>> = Mutex::new(Vec::new());

/// `QUEUE`'s length, read without its lock.
static QUEUED: AtomicUsize = AtomicUsize::new(0);

/// Runs `task` on a helper on standby if one is, else on rayon's global pool; either way
/// the helper then stands by for the next call. From inside a pool, a plain `rayon::spawn`.
pub(crate) fn spawn(task: impl FnOnce() + Send + 'static) {
    if rayon::current_thread_index().is_some() {
        // a call from inside a pool (the global one or a user's): its helpers go to that
        // pool as rayon's own jobs and never stand by, so helpers on standby are all the
        // global pool's, counted against its size, and a worker that meets a finished
        // call's job on its own queue does not spin
        rayon::spawn(task);
        return;
    }
    if reserve() {
        let mut queue = QUEUE.lock().unwrap_or_else(|e| e.into_inner());
        queue.push(Box::new(task));
        QUEUED.store(queue.len(), SeqCst);
    } else {
        rayon::spawn(move || {
            task();
            stand_by();
        });
    }
}

/// Takes one helper off `IDLE`, if one is there.
fn reserve() -> bool {
    IDLE.fetch_update(SeqCst, SeqCst, |idle| idle.checked_sub(1))
        .is_ok()
}

/// A task from the queue, if one is there.
fn take() -> Option<Task> {
    if QUEUED.load(SeqCst) == 0 {
        return None;
    }
    let mut queue = QUEUE.lock().unwrap_or_else(|e| e.into_inner());
    let task = queue.pop();
    QUEUED.store(queue.len(), SeqCst);
    task
}

/// Spins until a call hands this helper a task (run, then stand by again) or [`STANDBY`]
/// passes with none reserved for it.
fn stand_by() {
    let most = rayon::current_num_threads().saturating_sub(1);
    let room = |standing: usize| (standing < most).then_some(standing + 1);
    if STANDING.fetch_update(SeqCst, SeqCst, room).is_err() {
        return;
    }
    loop {
        IDLE.fetch_add(1, SeqCst);
        let deadline = Instant::now() + STANDBY;
        let task = loop {
            if let Some(task) = take() {
                break task;
            }
            if Instant::now() >= deadline && reserve() {
                STANDING.fetch_sub(1, SeqCst);
                return;
            }
            for _ in 0..32 {
                std::hint::spin_loop();
            }
        };
        task();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// Waits (up to ten seconds) until `count` reaches `want`.
    fn reaches(count: &AtomicUsize, want: usize) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while count.load(SeqCst) < want {
            if Instant::now() > deadline {
                return false;
            }
            std::thread::yield_now();
        }
        true
    }

    #[test]
    fn every_task_runs_once_whether_a_helper_stands_by_or_not() {
        let ran = Arc::new(AtomicUsize::new(0));
        let mut want = 0;
        // back to back (helpers on standby take them), then after pauses longer than
        // `STANDBY` (rayon's workers take them), from several threads at once
        for pause in [Duration::ZERO, STANDBY * 3] {
            for _ in 0..50 {
                std::thread::scope(|s| {
                    for _ in 0..3 {
                        let ran = Arc::clone(&ran);
                        s.spawn(move || {
                            spawn(move || {
                                ran.fetch_add(1, SeqCst);
                            })
                        });
                    }
                });
                want += 3;
                assert!(
                    reaches(&ran, want),
                    "{} of {want} tasks ran",
                    ran.load(SeqCst)
                );
                std::thread::sleep(pause);
            }
        }
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(ran.load(SeqCst), want, "a task ran twice");
    }
}
