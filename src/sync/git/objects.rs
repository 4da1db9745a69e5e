//! Git objects and packfiles written by esogen itself: object ids, and a
//! version-2 pack with its index, built in memory from objects esogen has
//! just generated (see BENCHMARKS.md for why not libgit2's pack writer).

use git2::Oid;

use super::{GitError, git};

/// The object types esogen packs.
#[derive(Debug, Clone, Copy)]
pub(super) enum PackKind {
    Tree = 2,
    Blob = 3,
}

/// The id git gives an object: the SHA-1 of its type, size and content.
/// Computed with the sha1 crate: libgit2's collision-detecting SHA-1 guards
/// against crafted objects from elsewhere, not needed for content esogen
/// has just generated, and slower (BENCHMARKS.md, "Commit").
pub(super) fn object_id(kind: PackKind, bytes: &[u8]) -> Result<Oid, GitError> {
    use sha1::Digest;
    let name = match kind {
        PackKind::Tree => "tree",
        PackKind::Blob => "blob",
    };
    let mut h = sha1::Sha1::new();
    h.update(format!("{name} {}\0", bytes.len()).as_bytes());
    h.update(bytes);
    Oid::from_bytes(&h.finalize()).map_err(git("hash an object"))
}

/// A packfile built in memory and its version-2 index.
pub(super) struct Pack {
    pub(super) pack: Vec<u8>,
    pub(super) idx: Vec<u8>,
    /// The pack's checksum in hex: its file name.
    pub(super) name: String,
}

/// A version-2 packfile holding `objects` undeltified (the pack header, each
/// object's type-and-size header and zlib stream, then the SHA-1 trailer)
/// and its version-2 index (fan-out table, sorted ids, CRC-32s, offsets),
/// the objects compressed on all cores. Writing the index here spares
/// libgit2's indexer inflating and hashing every object again.
pub(super) fn pack_objects(objects: &[(PackKind, &[u8], Oid)]) -> std::io::Result<Pack> {
    use sha1::Digest;
    use std::io::Write;
    let entries = crate::parallel::map(objects, |(kind, bytes, _)| -> std::io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(bytes.len() / 2 + 16);
        // The type and the size, seven bits at a time.
        let mut size = bytes.len();
        let mut byte = ((*kind as u8) << 4) | (size & 0x0f) as u8;
        size >>= 4;
        while size > 0 {
            out.push(byte | 0x80);
            byte = (size & 0x7f) as u8;
            size >>= 7;
        }
        out.push(byte);
        let mut z = flate2::write::ZlibEncoder::new(&mut out, flate2::Compression::fast());
        z.write_all(bytes)?;
        z.finish()?;
        Ok(out)
    });
    let total: usize = objects.iter().map(|(_, b, _)| b.len()).sum();
    let mut pack = Vec::with_capacity(total / 2 + 64);
    pack.extend_from_slice(b"PACK");
    pack.extend_from_slice(&2u32.to_be_bytes());
    let count = u32::try_from(objects.len()).map_err(std::io::Error::other)?;
    pack.extend_from_slice(&count.to_be_bytes());
    // (id, offset, CRC-32 of the packed object)
    let mut index: Vec<(Oid, u64, u32)> = Vec::with_capacity(objects.len());
    for ((_, _, id), entry) in objects.iter().zip(entries) {
        let entry = entry?;
        let mut crc = flate2::Crc::new();
        crc.update(&entry);
        index.push((*id, pack.len() as u64, crc.sum()));
        pack.extend_from_slice(&entry);
    }
    let checksum = sha1::Sha1::digest(&pack);
    pack.extend_from_slice(&checksum);
    index.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut idx = Vec::with_capacity(8 + 1024 + index.len() * 28 + 40);
    idx.extend_from_slice(b"\xfftOc");
    idx.extend_from_slice(&2u32.to_be_bytes());
    let mut fanout = [0u32; 256];
    for (id, _, _) in &index {
        fanout[usize::from(id.as_bytes()[0])] += 1;
    }
    let mut running = 0u32;
    for n in fanout {
        running += n;
        idx.extend_from_slice(&running.to_be_bytes());
    }
    for (id, _, _) in &index {
        idx.extend_from_slice(id.as_bytes());
    }
    for (_, _, crc) in &index {
        idx.extend_from_slice(&crc.to_be_bytes());
    }
    // Offsets past 2 GiB go to a table of 8-byte offsets.
    let mut large: Vec<u64> = Vec::new();
    for (_, offset, _) in &index {
        match u32::try_from(*offset) {
            Ok(o) if o < 0x8000_0000 => idx.extend_from_slice(&o.to_be_bytes()),
            _ => {
                let slot = u32::try_from(large.len()).map_err(std::io::Error::other)?;
                idx.extend_from_slice(&(0x8000_0000 | slot).to_be_bytes());
                large.push(*offset);
            }
        }
    }
    for offset in large {
        idx.extend_from_slice(&offset.to_be_bytes());
    }
    idx.extend_from_slice(&checksum);
    let own = sha1::Sha1::digest(&idx);
    idx.extend_from_slice(&own);
    let name = checksum.iter().map(|b| format!("{b:02x}")).collect();
    Ok(Pack { pack, idx, name })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_ids_are_the_ones_libgit2_computes() {
        for bytes in [&b""[..], b"apiVersion: v1\n", &[0u8, 255, 10][..]] {
            for (kind, t) in [
                (PackKind::Blob, git2::ObjectType::Blob),
                (PackKind::Tree, git2::ObjectType::Tree),
            ] {
                assert_eq!(
                    object_id(kind, bytes).unwrap(),
                    Oid::hash_object(t, bytes).unwrap()
                );
            }
        }
    }

    /// A pack and index written by `pack_objects` are read by libgit2 and
    /// pass `git verify-pack`.
    #[test]
    fn packs_are_read_by_libgit2_and_git() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init_bare(dir.path()).unwrap();
        let contents: Vec<Vec<u8>> = (0..300)
            .map(|i| {
                format!("kind: ExternalSecret\nname: s{i}\n")
                    .repeat(i % 7 + 1)
                    .into_bytes()
            })
            .collect();
        let objects: Vec<(PackKind, &[u8], Oid)> = contents
            .iter()
            .map(|b| {
                (
                    PackKind::Blob,
                    b.as_slice(),
                    object_id(PackKind::Blob, b).unwrap(),
                )
            })
            .collect();
        let pack = pack_objects(&objects).unwrap();
        let packs = dir.path().join("objects/pack");
        std::fs::create_dir_all(&packs).unwrap();
        let base = packs.join(format!("pack-{}", pack.name));
        std::fs::write(base.with_extension("pack"), &pack.pack).unwrap();
        std::fs::write(base.with_extension("idx"), &pack.idx).unwrap();
        let repo = git2::Repository::open_bare(repo.path()).unwrap();
        for ((_, bytes, id), _) in objects.iter().zip(&contents) {
            assert_eq!(repo.find_blob(*id).unwrap().content(), *bytes);
        }
        let verified = std::process::Command::new("git")
            .arg("verify-pack")
            .arg(base.with_extension("idx"))
            .output();
        if let Ok(out) = verified {
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}
