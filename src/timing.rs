//! When each phase of a run ended, for profiling (`ESOGEN_TIMINGS=1`; see
//! BENCHMARKS.md). Recorded always (a clock read per phase), shown only on
//! request by the binary.

use std::time::{Duration, Instant};

/// The phases of one run so far, each with the time since the run started.
#[derive(Debug, Clone)]
pub struct Timeline {
    start: Instant,
    phases: Vec<(&'static str, Duration)>,
}

impl Timeline {
    /// Starts the clock.
    pub fn start() -> Self {
        Self {
            start: Instant::now(),
            phases: Vec::new(),
        }
    }

    /// Records that `phase` ended now.
    pub fn mark(&mut self, phase: &'static str) {
        self.phases.push((phase, self.start.elapsed()));
    }

    /// The phases in the order they ended.
    pub fn into_phases(self) -> Vec<(&'static str, Duration)> {
        self.phases
    }
}
