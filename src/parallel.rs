//! The one place esogen spreads work over cores: scoped threads over
//! contiguous chunks, results in input order, a worker's panic carried to
//! the caller. At the bottom of the crate: it imports nothing of it.

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
}

/// Runs `f` as on a machine with one core: the oracle for work that
/// takes another path on many cores.
#[cfg(test)]
pub fn on_one_core<R>(f: impl FnOnce() -> R) -> R {
    ONE_CORE.with(|c| c.set(true));
    let result = f();
    ONE_CORE.with(|c| c.set(false));
    result
}

fn joined<R>(h: std::thread::ScopedJoinHandle<'_, R>) -> R {
    h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
}

/// Splits `items` into one contiguous chunk per thread and runs `f` on each
/// chunk on its own thread (so a chunk can keep state, such as a memo of
/// directories already made); the results come back in chunk order.
pub fn chunks<T: Sync, R: Send>(items: &[T], f: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    let size = items.len().div_ceil(threads()).max(1);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(size)
            .map(|part| scope.spawn(move || f(part)))
            .collect();
        handles.into_iter().map(joined).collect()
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
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items.iter().map(|t| scope.spawn(move || f(t))).collect();
        handles.into_iter().map(joined).collect()
    })
}

/// Runs `a` on another thread while `b` runs on this one.
pub fn join<A: Send, B>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B) {
    std::thread::scope(|scope| {
        let other = scope.spawn(a);
        let here = b();
        (joined(other), here)
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
    let _ = std::thread::Builder::new()
        .name("esogen-drop".into())
        .spawn(move || drop(value));
}

#[cfg(test)]
mod tests {
    use super::*;

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
    #[should_panic(expected = "worker")]
    fn a_worker_panic_reaches_the_caller() {
        map(&[1, 2, 3], |x| if *x == 2 { panic!("worker") } else { *x });
    }
}
