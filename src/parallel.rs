//! The one place esogen spreads work over cores: scoped threads over
//! contiguous chunks, results in input order, a worker's panic carried to
//! the caller, and work whose thread cannot start run on the caller's
//! thread. At the bottom of the crate: it imports nothing of it.

/// The number of worker threads: the machine's cores, at most 8 (beyond
/// that the file system, not the CPU, is the limit).
pub fn threads() -> usize {
    #[cfg(test)]
    if ONE_CORE.with(std::cell::Cell::get) {
        return 1;
    }
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8)
}

#[cfg(test)]
thread_local! {
    static ONE_CORE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static NO_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with the test switch `flag` on, on this thread.
#[cfg(test)]
fn switched<R>(
    flag: &'static std::thread::LocalKey<std::cell::Cell<bool>>,
    f: impl FnOnce() -> R,
) -> R {
    flag.with(|c| c.set(true));
    let result = f();
    flag.with(|c| c.set(false));
    result
}

/// Runs `f` as on a machine with one core: the oracle for work that
/// takes another path on many cores.
#[cfg(test)]
pub fn on_one_core<R>(f: impl FnOnce() -> R) -> R {
    switched(&ONE_CORE, f)
}

/// Runs `f` as in a process where no thread can start (each thread asks
/// for a stack larger than any machine has): every piece of work then runs
/// on the caller's thread.
#[cfg(test)]
pub fn without_threads<R>(f: impl FnOnce() -> R) -> R {
    switched(&NO_THREAD, f)
}

fn joined<R>(h: std::thread::ScopedJoinHandle<'_, R>) -> R {
    h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
}

/// Starts `work` on a scoped thread of its own; `None` when no thread can
/// start (a process or container at its limit of threads or memory): the
/// caller, which still holds what `work` calls, runs it on its own thread
/// instead. Slower, never a panic.
fn start<'scope, R: Send + 'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    work: impl FnOnce() -> R + Send + 'scope,
) -> Option<std::thread::ScopedJoinHandle<'scope, R>> {
    builder().spawn_scoped(scope, work).ok()
}

/// A thread to start; in a test [`without_threads`], one the system
/// refuses.
fn builder() -> std::thread::Builder {
    #[allow(unused_mut)]
    let mut builder = std::thread::Builder::new();
    #[cfg(test)]
    if NO_THREAD.with(std::cell::Cell::get) {
        // A stack no machine can give: the system refuses the thread, as
        // it does at a limit of threads or memory.
        builder = builder.stack_size(usize::MAX / 4);
    }
    builder
}

/// Splits `items` into one contiguous chunk per thread and runs `f` on each
/// chunk on its own thread (so a chunk can keep state, such as a memo of
/// directories already made); the results come back in chunk order. A
/// chunk whose thread cannot start runs on the caller's thread.
pub fn chunks<T: Sync, R: Send>(items: &[T], f: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    let size = items.len().div_ceil(threads()).max(1);
    thread_each(items.chunks(size), f)
}

/// Runs `f` on each job: the last on this thread, which would otherwise
/// wait, each other one on a thread of its own (run here too when its
/// thread cannot start); the results in job order. A thread fewer per call
/// is a heap fewer: a one-team run at 10,000 teams peaked 10 MiB lower.
fn thread_each<J: Copy + Send, R: Send>(
    jobs: impl Iterator<Item = J>,
    f: impl Fn(J) -> R + Sync,
) -> Vec<R> {
    let f = &f;
    let mut jobs: Vec<J> = jobs.collect();
    let last = jobs.pop();
    std::thread::scope(|scope| {
        let started: Vec<_> = jobs
            .into_iter()
            .map(|j| (j, start(scope, move || f(j))))
            .collect();
        let here = last.map(f);
        let mut out: Vec<R> = started
            .into_iter()
            .map(|(j, h)| h.map_or_else(|| f(j), joined))
            .collect();
        out.extend(here);
        out
    })
}

/// Maps `f` over `items` on all cores, keeping the order.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    chunks(items, |part| part.iter().map(&f).collect::<Vec<R>>())
        .into_iter()
        .flatten()
        .collect()
}

/// Runs `f` on every item, each on its own thread: for a few large jobs.
pub fn each<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    thread_each(items.iter(), f)
}

/// Runs `a` on another thread while `b` runs on this one; when no thread
/// can start, `a` runs here after `b`.
pub fn join<A: Send, B>(a: impl Fn() -> A + Sync, b: impl FnOnce() -> B) -> (A, B) {
    let a = &a;
    std::thread::scope(|scope| {
        let other = start(scope, a);
        let here = b();
        (other.map_or_else(a, joined), here)
    })
}

/// Runs `main` on this thread while `ahead` does optional work on another:
/// work that `main` would otherwise do itself when it needs it (stat'ing
/// files it may keep, say). When `main` returns, `ahead` is told to stop
/// (its flag is set) and is joined. On one core, or when no thread can
/// start, only `main` runs.
pub fn meanwhile<R>(
    ahead: impl FnOnce(&std::sync::atomic::AtomicBool) + Send,
    main: impl FnOnce() -> R,
) -> R {
    use std::sync::atomic::{AtomicBool, Ordering};
    if threads() == 1 {
        return main();
    }
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let stop = &stop;
        let other = builder()
            .name("esogen-ahead".into())
            .spawn_scoped(scope, move || ahead(stop));
        let result = main();
        stop.store(true, Ordering::Relaxed);
        if let Ok(h) = other {
            joined(h);
        }
        result
    })
}

/// Drops `value` on a thread of its own, so that freeing a large structure
/// (the plan or the configuration of 10,000 teams: 20 to 30 ms each on
/// one core) overlaps the caller's work instead of delaying it. The thread
/// is not joined: a process that exits first has nothing left to free.
/// On one core, or when no thread can start, `value` is dropped here.
/// Only for values whose drop does nothing but free memory (no lock, file
/// or flush depends on it).
pub fn drop_aside<T: Send + 'static>(value: T) {
    if threads() == 1 {
        drop(value);
        return;
    }
    // A thread that cannot start drops its closure, and the value with it.
    let _ = builder()
        .name("esogen-drop".into())
        .spawn(move || drop(value));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meanwhile_stops_the_work_ahead_when_the_main_work_ends() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let started = AtomicBool::new(false);
        // On a machine of one core nothing runs ahead, and `main` would
        // wait for it forever.
        let result = if threads() == 1 {
            7
        } else {
            meanwhile(
                |stop| {
                    started.store(true, Ordering::SeqCst);
                    // Would run forever if the flag were never set.
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::yield_now();
                    }
                },
                || {
                    // Bounded, so that a thread that could not start fails
                    // the test rather than hangs it.
                    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
                    while !started.load(Ordering::SeqCst) {
                        assert!(std::time::Instant::now() < deadline, "nothing ran ahead");
                        std::thread::yield_now();
                    }
                    7
                },
            )
        };
        assert_eq!(result, 7);
        let on_one_core = on_one_core(|| meanwhile(|_| panic!("must not run"), || 8));
        assert_eq!(on_one_core, 8);
    }

    /// The caller does the last part of the work itself instead of
    /// waiting for a thread that does it; the others run on threads of
    /// their own.
    #[test]
    fn the_caller_runs_the_last_chunk_itself() {
        let here = std::thread::current().id();
        let items: Vec<u32> = (0..64).collect();
        let ids = chunks(&items, |_| std::thread::current().id());
        assert_eq!(ids.last(), Some(&here));
        assert_eq!(ids.len(), threads().min(items.len()));
        assert!(ids[..ids.len() - 1].iter().all(|id| *id != here));
        let ids = each(&[1, 2, 3], |_| std::thread::current().id());
        assert_eq!(ids.iter().filter(|id| **id == here).count(), 1);
        assert_eq!(ids.last(), Some(&here));
    }

    #[test]
    fn results_keep_the_input_order() {
        let items: Vec<u32> = (0..1000).collect();
        assert_eq!(
            map(&items, |x| x * 2),
            items.iter().map(|x| x * 2).collect::<Vec<_>>()
        );
        let sums = chunks(&items, |part| part.iter().sum::<u32>());
        assert_eq!(sums.iter().sum::<u32>(), items.iter().sum::<u32>());
        assert_eq!(each(&[1, 2, 3], |x| x + 1), [2, 3, 4]);
        assert_eq!(join(|| 1, || 2), (1, 2));
        assert!(chunks(&[] as &[u8], |p| p.len()).is_empty());
    }

    #[test]
    fn when_no_thread_can_start_the_work_runs_here() {
        let items: Vec<u32> = (0..1000).collect();
        let here = std::thread::current().id();
        let (mapped, sums, each_of, joined_pair, threads_used) = without_threads(|| {
            let used = std::sync::Mutex::new(std::collections::BTreeSet::new());
            let note = || {
                if let Ok(mut u) = used.lock() {
                    u.insert(format!("{:?}", std::thread::current().id()));
                }
            };
            let mapped = map(&items, |x| {
                note();
                x * 2
            });
            let sums = chunks(&items, |part| part.iter().sum::<u32>());
            let each_of = each(&[1, 2, 3], |x| {
                note();
                x + 1
            });
            let joined_pair = join(
                || {
                    note();
                    1
                },
                || 2,
            );
            let used = used.into_inner().unwrap_or_default();
            (mapped, sums, each_of, joined_pair, used)
        });
        assert_eq!(mapped, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert_eq!(sums.iter().sum::<u32>(), items.iter().sum::<u32>());
        assert_eq!(each_of, [2, 3, 4]);
        assert_eq!(joined_pair, (1, 2));
        assert_eq!(
            threads_used.into_iter().collect::<Vec<_>>(),
            [format!("{here:?}")],
            "every piece of work ran on the caller's thread"
        );
        // Optional work ahead does not run; a value to drop aside is
        // dropped here, before `drop_aside` returns.
        struct Noted<'a>(&'a std::sync::Mutex<Option<std::thread::ThreadId>>);
        impl Drop for Noted<'_> {
            fn drop(&mut self) {
                if let Ok(mut at) = self.0.lock() {
                    *at = Some(std::thread::current().id());
                }
            }
        }
        static DROPPED: std::sync::Mutex<Option<std::thread::ThreadId>> =
            std::sync::Mutex::new(None);
        let ahead_ran = std::sync::atomic::AtomicBool::new(false);
        let main = without_threads(|| {
            drop_aside(Noted(&DROPPED));
            meanwhile(
                |_| ahead_ran.store(true, std::sync::atomic::Ordering::SeqCst),
                || 9,
            )
        });
        assert_eq!(main, 9);
        assert!(!ahead_ran.load(std::sync::atomic::Ordering::SeqCst));
        assert_eq!(DROPPED.lock().ok().and_then(|d| *d), Some(here));
    }

    #[test]
    #[should_panic(expected = "worker")]
    fn a_worker_panic_reaches_the_caller() {
        map(&[1, 2, 3], |x| if *x == 2 { panic!("worker") } else { *x });
    }
}
