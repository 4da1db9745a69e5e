//! What a `generate` run shows while it runs: the plan line before writing
//! and, on a terminal, a one-line status with the phase and the time spent,
//! drawn only once a run has taken a second (a run that ends sooner shows
//! nothing), redrawn ten times a second on standard error, and erased when
//! the run ends. Thirty lines with a thread; a progress-bar crate would add
//! four dependencies for the same line.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use esogen::command::{Phase, Progress};
use esogen::sync::message::Summary;

/// Where the plan line goes: `generate` prints it with its result on
/// standard output; `diff` keeps standard output for the diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanTo {
    Stdout,
    Stderr,
    /// `--quiet` or `--format json`: not printed.
    Nowhere,
}

struct Shared {
    phase: Mutex<Option<Phase>>,
    /// Whether a status line is on the screen now.
    drawn: AtomicBool,
    done: AtomicBool,
}

/// The run's [`Progress`] for the terminal; [`Status::finish`] erases it.
pub struct Status {
    shared: Arc<Shared>,
    plan_to: PlanTo,
    ticker: Option<JoinHandle<()>>,
}

impl Status {
    /// A status for a run; `animate` when a status line may be drawn
    /// (standard error is a terminal and the output is for people).
    pub fn start(plan_to: PlanTo, animate: bool) -> Self {
        let shared = Arc::new(Shared {
            phase: Mutex::new(None),
            drawn: AtomicBool::new(false),
            done: AtomicBool::new(false),
        });
        // No thread, no status line: the run goes on without it.
        let ticker = (animate && std::io::stderr().is_terminal())
            .then(|| {
                let shared = Arc::clone(&shared);
                std::thread::Builder::new()
                    .name("esogen-status".into())
                    .spawn(move || tick(&shared))
                    .ok()
            })
            .flatten();
        Self {
            shared,
            plan_to,
            ticker,
        }
    }

    /// Erases the status line and stops drawing.
    pub fn finish(mut self) {
        self.shared.done.store(true, Ordering::SeqCst);
        if let Some(t) = self.ticker.take() {
            // Wake it now: a short run must not wait out a tick to exit.
            t.thread().unpark();
            let _ = t.join();
        }
        erase(&self.shared);
    }
}

fn tick(shared: &Shared) {
    const FRAMES: [char; 4] = ['|', '/', '-', '\\'];
    let started = Instant::now();
    let mut frame = 0;
    while !shared.done.load(Ordering::SeqCst) {
        std::thread::park_timeout(Duration::from_millis(100));
        if shared.done.load(Ordering::SeqCst) {
            return;
        }
        let elapsed = started.elapsed();
        if elapsed < Duration::from_secs(1) {
            continue;
        }
        let Ok(phase) = shared.phase.lock() else {
            return;
        };
        if let Some(phase) = *phase {
            let mut err = std::io::stderr().lock();
            let _ = write!(
                err,
                "\r\x1b[2K{} {phase} ({:.1} s)",
                FRAMES[frame % FRAMES.len()],
                elapsed.as_secs_f64()
            );
            let _ = err.flush();
            shared.drawn.store(true, Ordering::SeqCst);
            frame += 1;
        }
    }
}

fn erase(shared: &Shared) {
    if shared.drawn.swap(false, Ordering::SeqCst) {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K");
        let _ = err.flush();
    }
}

impl Progress for Status {
    fn phase(&self, phase: Phase) {
        if let Ok(mut p) = self.shared.phase.lock() {
            *p = Some(phase);
        }
    }

    fn planned(&self, summary: &Summary) {
        // Hold the phase lock so the ticker does not draw mid-line.
        let _guard = self.shared.phase.lock();
        erase(&self.shared);
        match self.plan_to {
            PlanTo::Stdout => println!("{summary}"),
            PlanTo::Stderr => eprintln!("{summary}"),
            PlanTo::Nowhere => {}
        }
    }
}
