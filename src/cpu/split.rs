//! When a CPU call goes parallel (to `team`): when its work on one thread would take several
//! times what handing it out costs. Both costs are measured once per process, on this
//! machine, at the first call that could go parallel: the fork-join cost (a `team` pass over
//! blocks that do nothing: the spawn of the helpers and the wait for any block they took; the
//! caller runs what they do not reach, so a parallel call costs at worst that more than a
//! serial one) and the time per element of one unit of op weight (a `Scale` over 2^15 f32 on
//! the calling thread, in cache). A kernel of weight w (`Kernel::cost`, from the op table)
//! over n elements is worth n·w·unit; it goes parallel when that is at least [`PAYBACK`]
//! times the fork-join cost, never below two blocks and never above [`PARALLEL_MIN`], the
//! fixed threshold this replaced.

use std::sync::OnceLock;
use std::time::Instant;

use super::block::{self, BLOCK};
use super::team;
use crate::ir::op::Op;

/// At most this many elements before a call goes parallel, whatever was measured: waking
/// rayon's workers costs ~5-15 µs on the 2-core dev VM, which a memory-bound op earns back
/// by ~10^5 elements.
pub(crate) const PARALLEL_MIN: usize = 1 << 17;

/// How many times the fork-join cost the work on one thread must be worth (with two cores
/// the parallel call then takes at most about 5/8 of the serial one).
const PAYBACK: f64 = 4.0;

/// What the measurement found: elements of weight 1 worth going parallel for.
static MIN_WEIGHT_ELEMENTS: OnceLock<f64> = OnceLock::new();

/// Whether `len` elements of a kernel of `weight` go to rayon.
#[inline]
pub(crate) fn parallel(len: usize, weight: usize) -> bool {
    if len < 2 * BLOCK {
        return false;
    }
    if len >= PARALLEL_MIN {
        return true;
    }
    let min = *MIN_WEIGHT_ELEMENTS.get_or_init(measure);
    len as f64 * weight.max(1) as f64 >= min
}

/// The smallest `len` at which a kernel of `weight` goes parallel (for reports and tests).
#[cfg(feature = "testing")]
pub(crate) fn threshold(weight: usize) -> usize {
    (2 * BLOCK..=PARALLEL_MIN)
        .step_by(BLOCK / 4)
        .find(|&n| parallel(n, weight))
        .unwrap_or(PARALLEL_MIN)
}

/// Weight-1 elements whose work is worth [`PAYBACK`] fork-joins on this machine (infinite
/// on one core: never parallel below [`PARALLEL_MIN`]).
fn measure() -> f64 {
    if rayon::current_num_threads() < 2 {
        return f64::INFINITY;
    }
    let median = |f: &mut dyn FnMut()| {
        let mut times: Vec<f64> = (0..15)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .collect();
        times.sort_by(f64::total_cmp);
        times[times.len() / 2]
    };
    let mut blocks = vec![0u8; rayon::current_num_threads() * 2];
    let fork_join = median(&mut || {
        team::chunks(
            &mut blocks,
            1,
            || (),
            |(), _, b| {
                b.fill(std::hint::black_box(1));
                true
            },
        );
    });
    let n = 1 << 15;
    let src = vec![1.5_f32; n];
    let mut dst = vec![std::mem::MaybeUninit::<f32>::uninit(); n];
    let steps = [Op::Scale(1.0001_f32)];
    let work = median(&mut || {
        std::hint::black_box(block::chain_into(&steps, &src, &mut dst));
    });
    let unit = work / n as f64;
    if unit > 0.0 {
        PAYBACK * fork_join / unit
    } else {
        0.0
    }
}
