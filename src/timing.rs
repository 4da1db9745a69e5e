//! When each phase of a run ended, and the process's peak memory then, for
//! profiling (`ESOGEN_TIMINGS=1`; see BENCHMARKS.md). Recorded always (a
//! clock read and, on Linux, one read of `/proc/self/status` per phase),
//! shown only on request by the binary.

use std::time::{Duration, Instant};

/// The phases of one run so far, each with the time since the run started.
#[derive(Debug, Clone)]
pub struct Timeline {
    start: Instant,
    phases: Vec<Phase>,
}

/// One phase's end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phase {
    /// What ended.
    pub name: &'static str,
    /// When, since the run started.
    pub at: Duration,
    /// The process's peak resident memory so far in KiB (`VmHWM`), where
    /// the system tells it.
    pub peak_kib: Option<u64>,
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
        self.phases.push(Phase {
            name: phase,
            at: self.start.elapsed(),
            peak_kib: peak_kib(),
        });
    }

    /// The phases in the order they ended.
    pub fn into_phases(self) -> Vec<Phase> {
        self.phases
    }
}

/// `VmHWM` of `/proc/self/status`: the peak resident memory in KiB.
fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_phases_in_order_with_the_peak_memory() {
        let mut t = Timeline::start();
        t.mark("first");
        t.mark("second");
        let phases = t.into_phases();
        let names: Vec<_> = phases.iter().map(|p| p.name).collect();
        assert_eq!(names, ["first", "second"]);
        assert!(phases[0].at <= phases[1].at);
        // Where the system reports it (Linux; not every sandbox does).
        let reported = std::fs::read_to_string("/proc/self/status")
            .is_ok_and(|status| status.contains("VmHWM:"));
        if reported {
            let peaks: Vec<_> = phases.iter().map(|p| p.peak_kib.unwrap()).collect();
            assert!(peaks[0] > 0 && peaks[0] <= peaks[1], "{peaks:?}");
        }
    }
}
