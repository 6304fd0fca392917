//! Parallel loops over blocks with the calling thread in the team.
//!
//! rayon's parallel iterators, called from a thread outside the pool, hand the whole loop to
//! the pool and put the caller to sleep until it is done: every call pays a worker's wake-up
//! and then the caller's own. Here the caller
//! works too: the blocks are split into one contiguous span per member of the team (the
//! caller and `threads - 1` helpers: a helper still on standby after the last call
//! (`standby`), else one spawned on rayon's pool); each member runs its own span
//! front to back and, when it is done, takes blocks from the back of the others' spans. A
//! helper that starts late finds its span taken and costs nothing. With [`runs`] a member
//! takes several blocks of its own span at once (up to half of what is left of it, so the
//! claims shrink toward its end) and still takes others' one at a time, so the tail stays
//! fine-grained. The caller never waits for a helper to start, only for blocks a helper is
//! running, so a busy pool (or a call from inside it) cannot deadlock. The caller's span is
//! the same from call to call (a helper's is run by whichever worker takes it). Measured on
//! the dev VM (2-core AMD EPYC, AVX2): README, "From Python, raced".

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

use super::standby;

/// Runs `work(state, i, chunk)` for each chunk `i` of `data` (chunks of `size`, the last
/// shorter), each member of the team with a `state` of its own from `init`. `false` if any
/// call returned `false` (the rest may then be skipped) or panicked.
pub(crate) fn chunks<X, S>(
    data: &mut [X],
    size: usize,
    init: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, usize, &mut [X]) -> bool + Sync,
) -> bool
where
    X: Send,
{
    runs(data, size, 1, init, work)
}

/// As [`chunks`], but a call of `work(state, i, run)` may take a run of up to `most`
/// consecutive chunks from chunk `i` on (the last run ending where `data` does): a member
/// takes up to half of what is left of its own span at once, and one chunk at a time from
/// another's. For work whose per-call setup is worth spreading, where any run of chunks is
/// as good as the chunks one by one.
pub(crate) fn runs<X, S>(
    data: &mut [X],
    size: usize,
    most: usize,
    init: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, usize, &mut [X]) -> bool + Sync,
) -> bool
where
    X: Send,
{
    let size = size.max(1);
    let len = data.len();
    let base = Base(data.as_mut_ptr());
    let most = u32::try_from(most).unwrap_or(u32::MAX).max(1);
    run(len.div_ceil(size), most, init, |state, i, count| {
        let start = i * size;
        let end = start.saturating_add(count.saturating_mul(size)).min(len);
        // SAFETY: `run` hands out each chunk below `len.div_ceil(size)` in exactly one run
        // `i..i + count`, so the elements `start..end` are in bounds and never overlap
        // another run's, and it returns only when every call has returned: each run is a
        // unique borrow of part of `data`, which this function holds mutably until then.
        let run = unsafe { std::slice::from_raw_parts_mut(base.at(start), end - start) };
        work(state, i, run)
    })
}

/// `work(state, i, n)` over runs `i..i + n` of `0..count` (each `n` at most `most`) that
/// cover it once, on the team; `false` if any returned `false` or panicked.
fn run<S>(
    count: usize,
    most: u32,
    init: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, usize, usize) -> bool + Sync,
) -> bool {
    let members = rayon::current_num_threads().min(count);
    // one thread when there is no one to help, or past 2^32 blocks (never, in memory)
    let blocks = match u32::try_from(count) {
        Ok(blocks) if members >= 2 => blocks,
        _ => {
            let mut state = init();
            let most = most as usize;
            return (0..count)
                .step_by(most)
                .all(|i| work(&mut state, i, most.min(count - i)));
        }
    };
    let team = Arc::new(Team::new(blocks, members, most));
    let member = |me: usize, first: Claim| {
        let mut state = init();
        let mut next = Some(first);
        while let Some((i, n)) = next {
            if !work(&mut state, i as usize, n as usize) {
                team.stop();
                return;
            }
            next = team.claim(me);
        }
    };
    let job: &(dyn Fn(usize, Claim) + Sync) = &member;
    // SAFETY: the helpers call `job` only after they claimed a block, and `wait` returns (or
    // unwinds) only when every block was claimed and no helper is inside `job` (see
    // `Team::help`): no call outlives this frame, which owns the closure.
    let job = Job(unsafe {
        std::mem::transmute::<*const (dyn Fn(usize, Claim) + Sync + '_), *const Erased>(job)
    });
    // before any helper exists, so that nothing can leave this frame without waiting
    let mut wait = Wait {
        team: &team,
        done: false,
    };
    for me in 1..members {
        let team = Arc::clone(&team);
        let job = job.clone();
        standby::spawn(move || team.help(me, &job));
    }
    if let Some(first) = team.claim(0) {
        member(0, first);
    }
    wait.done = true;
    drop(wait);
    // a helper's panic goes on in the caller, as rayon's would
    let panicked = team.panic.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(payload) = panicked {
        panic::resume_unwind(payload);
    }
    !team.failed.load(SeqCst)
}

/// A run of blocks a member took: the first one and how many.
type Claim = (u32, u32);

/// A type-erased member loop: `(member, first run)`.
type Erased = dyn Fn(usize, Claim) + Sync + 'static;

/// The member loop, shared with the helpers (a raw pointer: see the SAFETY note in [`run`]).
#[derive(Clone)]
struct Job(*const Erased);

// SAFETY: the closure behind it is `Sync`, and it is called only while `run` keeps it alive.
unsafe impl Send for Job {}

/// The start of the data that [`runs`] splits.
struct Base<X>(*mut X);

impl<X> Clone for Base<X> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<X> Copy for Base<X> {}

impl<X> Base<X> {
    /// The element at `offset` (within the data).
    fn at(self, offset: usize) -> *mut X {
        // SAFETY: the callers' offsets are within the slice this points into
        unsafe { self.0.add(offset) }
    }
}

// SAFETY: each chunk is handed to one thread only (see `chunks`), and `X: Send`.
unsafe impl<X: Send> Sync for Base<X> {}
unsafe impl<X: Send> Send for Base<X> {}

/// The blocks still to run and who is running them.
struct Team {
    /// One span per member: the next block to take from the front (low 32 bits) and the end
    /// of the span (high 32 bits); empty when they meet. Each on cache lines of its own: a
    /// member takes a run of blocks from its span with a compare-and-swap, and two spans on
    /// one line would bounce it between the cores at every claim.
    spans: Box<[Span]>,
    /// Helpers inside the member loop (or about to look for a block).
    active: AtomicUsize,
    /// A block failed or panicked.
    failed: AtomicBool,
    /// The first panic of a helper's block, to go on in the caller.
    panic: Mutex<Option<Box<dyn Any + Send>>>,
    /// Most blocks a member takes from its own span at once.
    most: u32,
}

impl Team {
    /// `blocks` split into `members` contiguous spans; a member takes up to `most` (one or
    /// more, as [`runs`] makes it) of its own at once.
    fn new(blocks: u32, members: usize, most: u32) -> Team {
        let bounds = |m: usize| (blocks as u64 * m as u64 / members as u64) as u32;
        let spans = (0..members)
            .map(|m| Span(AtomicU64::new(pack(bounds(m), bounds(m + 1)))))
            .collect();
        Team {
            spans,
            active: AtomicUsize::new(0),
            failed: AtomicBool::new(false),
            panic: Mutex::new(None),
            most,
        }
    }

    /// A run of blocks for member `me`: from the front of its own span, up to [`Team::most`]
    /// and half of what is left there (at least one); else one block from the back of
    /// another's.
    fn claim(&self, me: usize) -> Option<Claim> {
        let own = &self.spans[me].0;
        let most = self.most;
        let run = |front: u32, back: u32| {
            let n = ((back - front) / 2).clamp(1, most);
            ((front, n), pack(front + n, back))
        };
        if let Some(claim) = take(own, run) {
            return Some(claim);
        }
        let others = self.spans.iter().skip(me + 1).chain(&self.spans[..me]);
        for Span(span) in others {
            if let Some(claim) = take(span, |front, back| ((back - 1, 1), pack(front, back - 1))) {
                return Some(claim);
            }
        }
        None
    }

    /// Empties every span: no block is taken after this.
    fn stop(&self) {
        self.failed.store(true, SeqCst);
        for Span(span) in self.spans.iter() {
            span.store(0, SeqCst);
        }
    }

    /// A helper's part: counted active before it looks for a block, so the caller cannot
    /// see every span empty and no helper active while a helper runs a block.
    fn help(&self, me: usize, job: &Job) {
        self.active.fetch_add(1, SeqCst);
        let _active = Active(&self.active);
        if let Some(first) = self.claim(me) {
            // SAFETY: a block was claimed, so `run` is still waiting (see `Job`)
            let job = unsafe { &*job.0 };
            if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| job(me, first))) {
                self.stop();
                let mut slot = self.panic.lock().unwrap_or_else(|e| e.into_inner());
                slot.get_or_insert(payload);
            }
        }
    }
}

/// A member's span, alone on two cache lines (128 bytes: x86 prefetches lines in pairs).
#[repr(align(128))]
struct Span(AtomicU64);

/// Takes blocks from `span` if it has any: `step(front, back)` gives the run taken and the
/// span's new value.
#[inline]
fn take(span: &AtomicU64, step: impl Fn(u32, u32) -> (Claim, u64)) -> Option<Claim> {
    let mut now = span.load(SeqCst);
    loop {
        let (front, back) = (now as u32, (now >> 32) as u32);
        if front >= back {
            return None;
        }
        let (claim, next) = step(front, back);
        match span.compare_exchange_weak(now, next, SeqCst, SeqCst) {
            Ok(_) => return Some(claim),
            Err(seen) => now = seen,
        }
    }
}

/// A span's two ends in one word.
fn pack(front: u32, back: u32) -> u64 {
    front as u64 | (back as u64) << 32
}

/// A helper counted in [`Team::active`] until this drops (also if its block panicked).
struct Active<'t>(&'t AtomicUsize);

impl Drop for Active<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, SeqCst);
    }
}

/// On drop it waits for the blocks helpers are running; if the caller's own loop did not
/// finish (a panic in one of its blocks), it first stops the others taking more.
struct Wait<'t> {
    team: &'t Team,
    done: bool,
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        let team = self.team;
        if !self.done {
            team.stop();
        }
        // every span is empty here (the caller's claims found none, or `stop`)
        let mut spins = 0u32;
        while team.active.load(SeqCst) != 0 {
            if spins < 1 << 10 {
                std::hint::spin_loop();
                spins += 1;
            } else {
                std::thread::yield_now();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `f` on a pool of four threads (a call from inside it) and from this thread (outside
    /// the global pool), so the team has helpers even on a one-core machine.
    fn both(f: impl Fn() + Sync) {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .expect("a test pool");
        pool.install(&f);
        if rayon::current_num_threads() > 1 {
            f();
        }
    }

    /// Adds one to its counter when dropped (when a block ends, also by a panic).
    struct Ends<'c>(&'c AtomicUsize);

    impl Drop for Ends<'_> {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    #[test]
    fn every_chunk_runs_once_at_any_count() {
        both(|| {
            for len in [0, 1, 2, 3, 7, 64, 1000, 4097] {
                for size in [1, 3, 64] {
                    let mut data = vec![0u32; len];
                    let calls = AtomicUsize::new(0);
                    let ok = chunks(
                        &mut data,
                        size,
                        || (),
                        |(), i, chunk| {
                            calls.fetch_add(1, SeqCst);
                            chunk.iter_mut().for_each(|v| *v += i as u32 + 1);
                            true
                        },
                    );
                    assert!(ok);
                    assert_eq!(calls.load(SeqCst), len.div_ceil(size));
                    for (k, v) in data.iter().enumerate() {
                        assert_eq!(*v, (k / size) as u32 + 1, "len {len} size {size} at {k}");
                    }
                }
            }
        });
    }

    #[test]
    fn runs_cover_every_chunk_once_each_no_longer_than_asked() {
        both(|| {
            for len in [0, 1, 5, 64, 1000, 4097, 100_000] {
                for (size, most) in [(1, 1), (3, 4), (64, 16), (7, 1000)] {
                    let mut data = vec![0u32; len];
                    let ok = runs(
                        &mut data,
                        size,
                        most,
                        || (),
                        |(), i, run| {
                            // a run starts at a chunk, ends at one (or at the end), and
                            // holds at most `most` of them
                            let chunks = run.len().div_ceil(size);
                            assert!(chunks >= 1 && chunks <= most, "{chunks} chunks");
                            assert!(run.len() % size == 0 || i * size + run.len() == len);
                            for (k, v) in run.iter_mut().enumerate() {
                                *v += ((i * size + k) / size) as u32 + 1;
                            }
                            true
                        },
                    );
                    assert!(ok);
                    for (k, v) in data.iter().enumerate() {
                        assert_eq!(*v, (k / size) as u32 + 1, "len {len} size {size} at {k}");
                    }
                }
            }
        });
    }

    #[test]
    fn a_failing_block_is_reported() {
        both(|| {
            let mut data = vec![0u8; 10_000];
            assert!(!chunks(&mut data, 10, || (), |_, i, _| i != 500));
        });
    }

    /// `chunks` over 256 one-element chunks, each calling `block(on the caller's thread)`:
    /// its result, and how many blocks started, ended (also by a panic) and returned.
    fn counted(
        block: impl Fn(bool) -> bool + Sync,
    ) -> (std::thread::Result<bool>, usize, usize, usize) {
        let caller = std::thread::current().id();
        let [started, ended, returned] = [0; 3].map(AtomicUsize::new);
        let mut data = vec![0u8; 256];
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            chunks(
                &mut data,
                1,
                || (),
                |_, _, _| {
                    started.fetch_add(1, SeqCst);
                    let _ends = Ends(&ended);
                    let ok = block(std::thread::current().id() == caller);
                    returned.fetch_add(1, SeqCst);
                    ok
                },
            )
        }));
        let [started, ended, returned] = [started, ended, returned].map(|c| c.load(SeqCst));
        (result, started, ended, returned)
    }

    #[test]
    fn a_panic_in_a_helper_s_block_goes_on_in_the_caller() {
        // the caller's blocks are slow, so helpers run some; theirs panic
        both(|| {
            let (result, started, ended, _) = counted(|on_caller| {
                if !on_caller {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                    panic!("a helper's block (this panic is the test)");
                }
                std::thread::sleep(std::time::Duration::from_millis(2));
                true
            });
            let payload = result.expect_err("the helper's panic goes on in the caller");
            assert_eq!(
                payload.downcast_ref::<&str>(),
                Some(&"a helper's block (this panic is the test)")
            );
            // every block that started has finished
            assert_eq!(started, ended);
        });
    }

    #[test]
    fn a_panic_in_the_caller_s_block_waits_for_the_helpers() {
        both(|| {
            let (result, started, _, returned) = counted(|on_caller| {
                if on_caller {
                    panic!("the caller's block (this panic is the test)");
                }
                std::thread::sleep(std::time::Duration::from_millis(3));
                true
            });
            assert!(result.is_err());
            // the caller's own block started and never finished
            assert_eq!(started, returned + 1);
        });
    }

    #[test]
    fn a_call_while_unwinding_still_succeeds() {
        struct Late;
        impl Drop for Late {
            fn drop(&mut self) {
                let mut data = vec![0u8; 1000];
                assert!(chunks(
                    &mut data,
                    10,
                    || (),
                    |_, _, c| {
                        c.fill(1);
                        true
                    }
                ));
                assert!(data.iter().all(|&v| v == 1));
            }
        }
        let result = panic::catch_unwind(|| {
            let _late = Late;
            panic!("unwinding (this panic is the test)");
        });
        assert!(result.is_err());
    }

    #[test]
    fn calls_from_inside_the_pool_finish() {
        use rayon::prelude::*;
        let total: u64 = (0..8u64)
            .into_par_iter()
            .map(|k| {
                let mut data = vec![k; 5_000];
                assert!(chunks(
                    &mut data,
                    7,
                    || (),
                    |_, _, c| {
                        c.iter_mut().for_each(|v| *v += 1);
                        true
                    }
                ));
                data.iter().sum::<u64>()
            })
            .sum();
        assert_eq!(total, (0..8u64).map(|k| (k + 1) * 5_000).sum::<u64>());
    }
}
