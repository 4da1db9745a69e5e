//! [`GitRepo::commit_from_memory`]: a commit on the current branch whose
//! blobs and trees are hashed here and written as one packfile, with the
//! index updated only for the paths that changed.

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

use git2::Oid;

use super::index::{index_entry, stat_words};
use super::index_file::{IndexFile, NewEntry, Read, StagedEntries, Written};
use super::objects::{PackKind, object_id, pack_objects};
use super::tree::TreeNode;
use super::{CommitOutcome, GitError, GitRepo, Identities, Kept, TreeChanges, git};

/// The index as read for a commit: by esogen when it has the plain
/// format, else by libgit2.
enum Staging {
    File(IndexFile),
    Libgit2(git2::Index),
}

/// A file whose content differs from its staged blob: repo-relative path,
/// bytes, absolute path on disk, blob id.
type Changed<'a> = (&'a String, &'a [u8], &'a PathBuf, Oid);

/// A serialized tree and its id.
type TreeObject = (Vec<u8>, Oid);

impl GitRepo {
    /// Commits the generated files on the current branch, building blobs and
    /// trees in memory: blobs go to an in-memory object database and land
    /// in one packfile (not one loose object per file), the new tree reuses
    /// every unchanged subtree of HEAD's, and the index is updated only for
    /// the paths that changed, with their stat data so `git status` stays
    /// fast. Files are `(repo-relative path, bytes, absolute path on disk)`.
    /// Kept files were not rendered: one whose index entry has the size
    /// and mtime the cache confirmed is staged as it is (git's own test of
    /// an index entry); any other is read from disk.
    pub fn commit_from_memory(
        &self,
        base_id: Oid,
        files: &[(String, &[u8], PathBuf)],
        kept: &Kept<'_>,
        remove: &[String],
        message: &dyn Fn(&TreeChanges) -> String,
        who: &Identities,
    ) -> Result<(CommitOutcome, String), GitError> {
        let head = self.head_commit()?;
        let odb = self.repo.odb().map_err(git("open the object database"))?;
        let index_path = self.repo.path().join("index");
        let staging = match IndexFile::read(&index_path)? {
            Read::Plain(file) => Staging::File(file),
            Read::Other => Staging::Libgit2(self.repo.index().map_err(git("read the index"))?),
        };
        // The base is what is staged: HEAD's tree, plus whatever the caller
        // allowed to stay staged (`--allow-staged` commits it too).
        let base = self
            .repo
            .find_tree(base_id)
            .map_err(git("read the staged tree"))?;
        let entries = match &staging {
            Staging::File(file) => file.staged(),
            Staging::Libgit2(index) => staged_entries(index),
        };
        let read_back = read_unvouched(kept, &entries)?;
        let read_back: Vec<(String, &[u8], PathBuf)> = read_back
            .iter()
            .map(|(p, b, a)| (p.clone(), b.as_slice(), a.clone()))
            .collect();
        let changed = changed_files(files, &read_back, &entries)?;
        let (tree_id, trees) = self.build_tree(&base, &changed, remove)?;
        self.store_new_objects(&odb, &entries, base_id, &changed, &trees)?;
        let old_tree = head.as_ref().map(|c| c.tree_id());
        let changes = if old_tree == Some(base_id) {
            // The base is HEAD's tree, and the index it was read from holds
            // exactly its blobs: what changed is what was just upserted and
            // removed, without comparing 20,000 trees.
            changes_against_index(&changed, remove, &entries)
        } else {
            self.tree_changes(old_tree, tree_id)?
        };
        let message = message(&changes);
        let outcome = if head.as_ref().is_some_and(|c| c.tree_id() == tree_id) {
            None
        } else {
            Some(self.write_commit(head.as_ref(), tree_id, &message, who)?)
        };
        drop(entries);
        self.update_index(staging, &index_path, &changed, remove)?;
        let Some(commit) = outcome else {
            return Ok((CommitOutcome::Unchanged, message));
        };
        let branch = self.advance_branch(head.as_ref(), commit, &message)?;
        Ok((
            CommitOutcome::Committed {
                id: commit.to_string(),
                branch,
            },
            message,
        ))
    }

    /// Stages the changed paths and unstages the removed ones: in the
    /// index file read by esogen when it could, else through libgit2.
    fn update_index(
        &self,
        staging: Staging,
        index_path: &Path,
        changed: &[Changed<'_>],
        remove: &[String],
    ) -> Result<(), GitError> {
        if let Staging::File(file) = &staging {
            let entries = changed
                .iter()
                .map(|(path, bytes, abs, id)| {
                    let meta = std::fs::symlink_metadata(abs).map_err(|e| {
                        git(format!("stat `{path}`"))(git2::Error::from_str(&e.to_string()))
                    })?;
                    Ok(index_entry(path, bytes.len(), &meta, *id))
                })
                .collect::<Result<Vec<_>, GitError>>()?;
            let new: Vec<NewEntry<'_>> = entries
                .iter()
                .map(|e| NewEntry {
                    path: &e.path,
                    stat: stat_words(e),
                    id: e.id,
                })
                .collect();
            let removed: Vec<&[u8]> = remove.iter().map(|p| p.as_bytes()).collect();
            if file.write(index_path, &new, &removed)? == Written::Done {
                return Ok(());
            }
        }
        let mut index = match staging {
            Staging::Libgit2(index) => index,
            Staging::File(_) => self.repo.index().map_err(git("read the index"))?,
        };
        update_index(&mut index, changed, remove)
    }

    /// The new trees, built in memory from the staged tree `base` along the
    /// changed paths only; unchanged subtrees keep their ids. Returns the
    /// root tree's id and every tree that was serialized.
    fn build_tree(
        &self,
        base: &git2::Tree<'_>,
        changed: &[Changed<'_>],
        remove: &[String],
    ) -> Result<(Oid, Vec<TreeObject>), GitError> {
        let mut root = TreeNode::load(&self.repo, base.id())?;
        for (path, _, _, id) in changed {
            root.upsert(&self.repo, path, *id)?;
        }
        for path in remove {
            root.remove(&self.repo, path)?;
        }
        let mut trees: Vec<TreeObject> = Vec::new();
        let tree_id = root.write(&mut trees, true)?.unwrap_or(base.id());
        Ok((tree_id, trees))
    }

    /// Writes the blobs and trees the repository may not have yet into one
    /// packfile from memory: no loose object per file or directory, no
    /// delta search. The object database `odb` is refreshed to see it.
    fn store_new_objects(
        &self,
        odb: &git2::Odb<'_>,
        entries: &StagedEntries<'_>,
        base_id: Oid,
        changed: &[Changed<'_>],
        trees: &[TreeObject],
    ) -> Result<(), GitError> {
        // An object is known to exist when the index or the staged tree
        // names it; asking the object database about each of 100,000 objects
        // costs more than the rare duplicate (which git tolerates).
        let mut seen: HashSet<Oid> = entries.values().map(|(_, _, id)| *id).collect();
        seen.insert(base_id);
        let mut fresh: Vec<(PackKind, &[u8], Oid)> = Vec::new();
        for (_, bytes, _, id) in changed {
            if seen.insert(*id) {
                fresh.push((PackKind::Blob, bytes, *id));
            }
        }
        for (bytes, id) in trees {
            if seen.insert(*id) {
                fresh.push((PackKind::Tree, bytes, *id));
            }
        }
        if !fresh.is_empty() {
            let pack = pack_objects(&fresh)
                .map_err(|e| git("build a packfile")(git2::Error::from_str(&e.to_string())))?;
            self.store_pack(&pack)?;
            odb.refresh().map_err(git("read the new packfile"))?;
        }
        Ok(())
    }

    /// Creates the commit of `tree_id` with `head` (if any) as its parent,
    /// without moving any reference.
    fn write_commit(
        &self,
        head: Option<&git2::Commit<'_>>,
        tree_id: Oid,
        message: &str,
        who: &Identities,
    ) -> Result<Oid, GitError> {
        let tree = self
            .repo
            .find_tree(tree_id)
            .map_err(git("read the new tree"))?;
        let author = self.signature(&who.author, who.time)?;
        let committer = self.signature(&who.committer, who.time)?;
        let parents: Vec<&git2::Commit> = head.into_iter().collect();
        self.repo
            .commit(None, &author, &committer, message, &tree, &parents)
            .map_err(git("create the commit"))
    }

    /// Moves the checked-out branch from `head` to `commit` (creates it on
    /// an unborn branch) and returns the branch name.
    fn advance_branch(
        &self,
        head: Option<&git2::Commit<'_>>,
        commit: Oid,
        message: &str,
    ) -> Result<String, GitError> {
        // HEAD was checked before anything was written; this only fails if
        // someone detached it since, and then nothing is moved.
        let branch = self.checked_out_branch()?;
        let refname = format!("refs/heads/{branch}");
        let log = message.lines().next().unwrap_or("esogen");
        match head {
            // Compare-and-swap: refuse if the branch moved meanwhile.
            Some(h) => self
                .repo
                .reference_matching(&refname, commit, true, h.id(), log)
                .map(|_| ())
                .map_err(|e| {
                    if e.code() == git2::ErrorCode::Modified {
                        GitError::Raced(branch.clone())
                    } else {
                        git("move the branch")(e)
                    }
                })?,
            None => self
                .repo
                .reference(&refname, commit, false, log)
                .map(|_| ())
                .map_err(git("create the branch"))?,
        }
        Ok(branch)
    }
}

/// The index, read once: path -> (size, mtime in ns, blob). A lookup by
/// path per file costs a C string and an entry copy each.
fn staged_entries(index: &git2::Index) -> StagedEntries<'static> {
    index
        .iter()
        .filter(|e| (e.flags >> 12) & 0x3 == 0)
        .map(|e| {
            let mtime =
                i128::from(e.mtime.seconds()) * 1_000_000_000 + i128::from(e.mtime.nanoseconds());
            (Cow::Owned(e.path), (u64::from(e.file_size), mtime, e.id))
        })
        .collect()
}

/// Kept files the index does not vouch for (no entry with their size and
/// mtime), read back from disk: repo-relative path, bytes, absolute path.
/// Looked up on every core (100,000 lookups at 10,000 teams, on the main
/// thread a tenth of a one-team `--commit`), each core's repo-relative
/// paths put together in one reused buffer: with almost every kept file
/// vouched for, an allocation per file would cost more than the lookups.
fn read_unvouched(
    kept: &Kept<'_>,
    entries: &StagedEntries<'_>,
) -> Result<Vec<(String, Vec<u8>, PathBuf)>, GitError> {
    let parts = crate::parallel::chunks(&kept.files, |part| {
        let mut read_back: Vec<(String, Vec<u8>, PathBuf)> = Vec::new();
        let mut path = String::new();
        for (rel, (len, mtime)) in part {
            path.clear();
            if !kept.prefix.is_empty() {
                path.push_str(kept.prefix);
                path.push('/');
            }
            path.push_str(rel);
            let staged = entries
                .get(path.as_bytes())
                .is_some_and(|(l, m, _)| l == len && *m == *mtime as i128);
            if !staged {
                let abs = kept.root.join(rel);
                let bytes = std::fs::read(&abs).map_err(|e| {
                    git(format!("read `{path}`"))(git2::Error::from_str(&e.to_string()))
                })?;
                read_back.push((path.clone(), bytes, abs));
            }
        }
        Ok(read_back)
    });
    let mut read_back = Vec::new();
    for part in parts {
        read_back.extend(part?);
    }
    Ok(read_back)
}

/// The files (rendered, then read back) whose content differs from the
/// staged one, with their blob ids: only these need work.
fn changed_files<'a>(
    files: &'a [(String, &'a [u8], PathBuf)],
    read_back: &'a [(String, &'a [u8], PathBuf)],
    entries: &StagedEntries<'_>,
) -> Result<Vec<Changed<'a>>, GitError> {
    let mut changed = Vec::new();
    let all: Vec<&(String, &[u8], PathBuf)> = files.iter().chain(read_back).collect();
    let ids = crate::parallel::map(&all, |(_, bytes, _)| object_id(PackKind::Blob, bytes));
    for ((path, bytes, abs), id) in all.into_iter().zip(ids) {
        let id = id?;
        // The index holds exactly the staged tree's blobs, and finds one
        // by binary search; a tree lookup by path re-reads every
        // directory on the way, which is quadratic on wide trees.
        let staged = entries.get(path.as_bytes()).map(|(_, _, id)| *id);
        if staged != Some(id) {
            changed.push((path, *bytes, abs, id));
        }
    }
    Ok(changed)
}

/// What a commit on HEAD's tree changes, read from the index that holds
/// exactly that tree's blobs: a changed path the index has is modified,
/// any other added; a removed path is deleted if the index has it.
fn changes_against_index(
    changed: &[Changed<'_>],
    remove: &[String],
    entries: &StagedEntries<'_>,
) -> TreeChanges {
    let mut tc = TreeChanges::default();
    for (path, _, _, _) in changed {
        if entries.contains_key(path.as_bytes()) {
            tc.modified.push((*path).clone());
        } else {
            tc.added.push((*path).clone());
        }
    }
    tc.deleted = remove
        .iter()
        .filter(|p| entries.contains_key(p.as_bytes()))
        .cloned()
        .collect();
    for list in [&mut tc.added, &mut tc.modified, &mut tc.deleted] {
        list.sort();
        list.dedup();
    }
    tc
}

/// The index: the changed paths, with stat data from disk, and the removed
/// paths unstaged; then written.
fn update_index(
    index: &mut git2::Index,
    changed: &[Changed<'_>],
    remove: &[String],
) -> Result<(), GitError> {
    for (path, bytes, abs, id) in changed {
        let meta = std::fs::symlink_metadata(abs)
            .map_err(|e| git(format!("stat `{path}`"))(git2::Error::from_str(&e.to_string())))?;
        index
            .add(&index_entry(path, bytes.len(), &meta, *id))
            .map_err(git(format!("stage `{path}`")))?;
    }
    for path in remove {
        if index.get_path(Path::new(path), 0).is_some() {
            index
                .remove_path(Path::new(path))
                .map_err(git(format!("unstage `{path}`")))?;
        }
    }
    index.write().map_err(git("write the index"))
}
