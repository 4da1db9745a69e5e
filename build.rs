//! Embeds `ESOGEN_COMMIT`, the git commit the binary was built from (for
//! `--version`), and `ESOGEN_BUILD_ID`: a digest of the sources and the lock file, so
//! that the local cache (`.esogen/cache.bin`) and the incremental
//! fingerprints written by one build of esogen are not trusted by another
//! whose code differs under the same version number (a build from a newer
//! commit of main, say). Files are hashed in sorted order, so the id depends
//! on the content only.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-changed=Cargo.toml");
    let mut all = Vec::new();
    files(Path::new("src"), &mut all);
    all.extend([PathBuf::from("Cargo.lock"), PathBuf::from("Cargo.toml")]);
    all.sort();
    let mut h = DefaultHasher::new();
    for p in &all {
        p.to_string_lossy().replace('\\', "/").hash(&mut h);
        std::fs::read(p).unwrap_or_default().hash(&mut h);
    }
    println!("cargo:rustc-env=ESOGEN_BUILD_ID={:016x}", h.finish());
    println!("cargo:rustc-env=ESOGEN_COMMIT={}", commit());
}

/// `<12-hex commit> <commit date>`, `-modified` after the hash when the
/// sources differ from it; `ESOGEN_COMMIT` from the environment when set
/// (a release built from a source archive); empty outside a git checkout.
fn commit() -> String {
    println!("cargo:rerun-if-env-changed=ESOGEN_COMMIT");
    if let Ok(given) = std::env::var("ESOGEN_COMMIT") {
        return given;
    }
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    // Rebuild when HEAD moves: HEAD itself and the branch it names.
    for name in ["HEAD", "packed-refs"] {
        watch(git(&["rev-parse", "--git-path", name]));
    }
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watch(git(&["rev-parse", "--git-path", &branch]));
    }
    let Some(line) = git(&["log", "-1", "--format=%H %cs"]) else {
        return String::new();
    };
    let (hash, date) = line.split_once(' ').unwrap_or((&line, ""));
    let hash = hash.get(..12).unwrap_or(hash);
    let clean = Command::new("git")
        .args([
            "diff",
            "--quiet",
            "HEAD",
            "--",
            "src",
            "Cargo.toml",
            "Cargo.lock",
            "build.rs",
        ])
        .status()
        .is_ok_and(|s| s.success());
    let modified = if clean { "" } else { "-modified" };
    format!("{hash}{modified} {date}")
}

/// Reruns this script when `path` changes (only a path that exists: a
/// missing one would rerun it on every build).
fn watch(path: Option<String>) {
    if let Some(path) = path.filter(|p| Path::new(p).exists()) {
        println!("cargo:rerun-if-changed={path}");
    }
}
