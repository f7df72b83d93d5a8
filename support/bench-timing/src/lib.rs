//! Native timing of the AITBC pallets' FRAME v2 benchmarks, used to fill their `weights.rs`.
//!
//! The node has no benchmark CLI, and the in-memory test externalities cannot count database
//! reads and writes, so this measures ref-time of the benchmarked code only: the median of
//! [`REPEATS`] runs, each in a fresh mock runtime, of the measured block (`#[extrinsic_call]` or
//! `#[block]`) only. A linear component's slope is the difference between the timings at its
//! highest and lowest values (the other components at their lowest), divided by the range.
//! Database costs are added in each `weights.rs` from reads and writes counted in the code.
//!
//! Use it from inside a pallet's `#[benchmarks] mod benchmarks` (std-only, test-only; a
//! dev-dependency):
//!
//! ```ignore
//! aitbc_bench_timing::bench_timings!(crate::mock::new_test_ext, crate::mock::Test; submit, fund);
//! ```
//!
//! and run it with
//! `cargo test --release -p <pallet> --features runtime-benchmarks -- --ignored --nocapture bench_timings`.

use std::fmt::Debug;
use std::time::{Duration, Instant};

/// Runs per timing; the median is reported.
pub const REPEATS: usize = 25;

/// Measures the time between `start` and `stop` (the benchmark's measured block).
#[derive(Default, Debug)]
pub struct Stopwatch {
    started: Option<Instant>,
    elapsed: Duration,
}

impl Stopwatch {
    /// Start (or restart) timing.
    pub fn start(&mut self) {
        self.started = Some(Instant::now());
    }

    /// Stop timing; the time since the last `start` becomes [`Stopwatch::nanos`].
    pub fn stop(&mut self) {
        if let Some(s) = self.started.take() {
            self.elapsed = s.elapsed();
        }
    }

    /// The last measured interval, in nanoseconds.
    pub fn nanos(&self) -> u128 {
        self.elapsed.as_nanos()
    }
}

/// The median of [`REPEATS`] runs of `run`, each returning nanoseconds.
pub fn median_of(mut run: impl FnMut() -> u128) -> u128 {
    let mut samples: Vec<u128> = (0..REPEATS).map(|_| run()).collect();
    samples.sort_unstable();
    samples[samples.len() / 2]
}

/// One report line: the timing with every component at its lowest value, plus one slope per
/// component. `time_at` times the benchmark at the given component values.
pub fn report_line<P: Debug + Copy>(
    name: &str,
    components: &[(P, u32, u32)],
    mut time_at: impl FnMut(&[(P, u32)]) -> u128,
) -> String {
    let low: Vec<(P, u32)> = components.iter().map(|(p, lo, _)| (*p, *lo)).collect();
    let base = time_at(&low);
    let mut line = format!("{name}: {base} ns");
    for (i, (p, lo, hi)) in components.iter().enumerate() {
        let mut high = low.clone();
        high[i].1 = *hi;
        let slope = time_at(&high).saturating_sub(base) / u128::from((hi - lo).max(1));
        line += &format!(" + {slope} ns x {p:?} ({lo}..={hi})");
    }
    line
}

/// Emits, inside a `#[benchmarks]` module, an ignored test `timing::bench_timings` that prints
/// the native timing of each listed benchmark (see the crate docs).
///
/// Arguments: the mock's externalities constructor, the mock runtime, then the benchmark names.
#[macro_export]
macro_rules! bench_timings {
    ($new_ext:path, $runtime:ty; $($bench:ident),+ $(,)?) => {
        #[cfg(test)]
        mod timing {
            use super::*;

            struct Timer($crate::Stopwatch);

            impl frame_benchmarking::Recording for Timer {
                fn start(&mut self) {
                    self.0.start();
                }
                fn stop(&mut self) {
                    self.0.stop();
                }
            }

            fn report<B: frame_benchmarking::BenchmarkingSetup<$runtime>>(name: &str, b: &B) {
                let line = $crate::report_line(
                    name,
                    &b.components(),
                    |c: &[(frame_benchmarking::BenchmarkParameter, u32)]| {
                        $crate::median_of(|| {
                            $new_ext().execute_with(|| {
                                let mut t = Timer($crate::Stopwatch::default());
                                b.instance(&mut t, c, false).expect("benchmark runs");
                                t.0.nanos()
                            })
                        })
                    },
                );
                std::println!("{line}");
            }

            #[test]
            #[ignore]
            fn bench_timings() {
                $(report(stringify!($bench), &$bench);)+
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_is_the_middle_sample() {
        let mut n = 0u128;
        assert_eq!(
            median_of(|| {
                n += 1;
                n
            }),
            13
        );
    }

    #[test]
    fn report_line_has_base_and_slopes() {
        let line = report_line("x", &[('a', 0, 10), ('b', 1, 3)], |c| {
            100 + 5 * u128::from(c[0].1) + 7 * u128::from(c[1].1)
        });
        assert_eq!(line, "x: 107 ns + 5 ns x 'a' (0..=10) + 7 ns x 'b' (1..=3)");
    }
}
