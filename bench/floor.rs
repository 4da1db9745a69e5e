//! The floor of an incremental run: the file-system work that no run which
//! keeps a tree and vouches for it can skip, and nothing else.
//!
//! esogen keeps a file from the last run only after a `stat` shows it as
//! that run left it (size, modification and change times, inode), and looks
//! for stray files through one `stat` per directory (a directory's listing
//! is read again only when that changed). It reads its local cache at the
//! start and writes it again when anything changed. This program does just
//! that for the tree at ROOT, on every core: `stat` of every file and
//! directory under it (but `.esogen/`), a read of `.esogen/cache.bin` and a
//! write of as many bytes. It prints the seconds that took, not counting
//! the walk that lists the paths first.
//!
//! A one-team run at 10,000 teams cannot be faster than this; BENCHMARKS.md
//! compares the two (`bench/run.py --shape teams` builds and runs it).
//!
//! usage: rustc -O --edition 2021 bench/floor.rs -o floor && ./floor ROOT

use std::path::{Path, PathBuf};
use std::time::Instant;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if path == Path::new(".esogen") || path == Path::new("./.esogen") {
            continue;
        }
        let is_dir = entry.file_type()?.is_dir();
        out.push(path.clone());
        if is_dir {
            walk(&path, out)?;
        }
    }
    Ok(())
}

fn main() -> std::io::Result<()> {
    let Some(root) = std::env::args().nth(1) else {
        eprintln!("usage: floor ROOT");
        std::process::exit(2);
    };
    // Paths relative to the root, as esogen looks them up.
    std::env::set_current_dir(&root)?;
    let mut paths = Vec::new();
    walk(Path::new("."), &mut paths)?;
    let paths: Vec<PathBuf> = paths
        .into_iter()
        .map(|p| p.strip_prefix("./").map(Path::to_path_buf).unwrap_or(p))
        .collect();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let start = Instant::now();
    let cache = std::fs::read(".esogen/cache.bin")?;
    let per_core = paths.len().div_ceil(cores).max(1);
    let seen: usize = std::thread::scope(|s| {
        let handles: Vec<_> = paths
            .chunks(per_core)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .filter(|p| std::fs::symlink_metadata(p).is_ok())
                        .count()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    let scratch = Path::new(".esogen/floor-scratch.bin");
    std::fs::write(scratch, &cache)?;
    std::fs::remove_file(scratch)?;
    let took = start.elapsed().as_secs_f64();
    eprintln!(
        "{seen} of {} paths stat'ed on {cores} threads, {} cache bytes read and written",
        paths.len(),
        cache.len()
    );
    println!("{took:.3}");
    Ok(())
}
