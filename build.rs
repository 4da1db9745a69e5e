//! Embeds `ESOGEN_BUILD_ID`: a digest of the sources and the lock file, so
//! that the local cache (`.esogen/cache.bin`) and the incremental
//! fingerprints written by one build of esogen are not trusted by another
//! whose code differs under the same version number (a build from a newer
//! commit of main, say). Files are hashed in sorted order, so the id depends
//! on the content only.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

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
}
