//! Trees built in memory along the changed paths: only the directories on
//! the way to a changed file are loaded, changed and serialized; every
//! other subtree keeps its id. Serialized as git does (entries sorted by
//! name, a subtree compared as if its name ended in `/`).

use git2::{Oid, Repository};

use super::objects::{PackKind, object_id};
use super::{GitError, git};

/// A directory of a tree being updated: entries that are not trees with
/// their mode and id, and subtrees either unchanged (an id) or loaded and
/// being changed. Names are bytes, as git stores them.
#[derive(Default)]
pub(super) struct TreeNode {
    leaves: std::collections::BTreeMap<Vec<u8>, (i32, Oid)>,
    subtrees: std::collections::BTreeMap<Vec<u8>, SubTree>,
}

enum SubTree {
    Unchanged(Oid),
    Changed(TreeNode),
}

pub(super) const MODE_BLOB: i32 = 0o100_644;
const MODE_TREE: i32 = 0o040_000;

impl TreeNode {
    /// One level of the tree `id`.
    pub(super) fn load(repo: &Repository, id: Oid) -> Result<Self, GitError> {
        let tree = repo.find_tree(id).map_err(git("read a tree"))?;
        let mut node = Self::default();
        for e in tree.iter() {
            let name = e.name_bytes().to_vec();
            if e.kind() == Some(git2::ObjectType::Tree) {
                node.subtrees.insert(name, SubTree::Unchanged(e.id()));
            } else {
                node.leaves.insert(name, (e.filemode(), e.id()));
            }
        }
        Ok(node)
    }

    /// The subdirectory `name`, loaded or created (a file of that name is
    /// replaced).
    fn dir(&mut self, repo: &Repository, name: &[u8]) -> Result<&mut TreeNode, GitError> {
        self.leaves.remove(name);
        let sub = self
            .subtrees
            .entry(name.to_vec())
            .or_insert_with(|| SubTree::Changed(TreeNode::default()));
        if let SubTree::Unchanged(id) = sub {
            *sub = SubTree::Changed(TreeNode::load(repo, *id)?);
        }
        match sub {
            SubTree::Changed(node) => Ok(node),
            SubTree::Unchanged(_) => Err(git("update a tree")(git2::Error::from_str(
                "a subtree could not be loaded",
            ))),
        }
    }

    /// Sets `path` to the blob `id` (mode 100644).
    pub(super) fn upsert(
        &mut self,
        repo: &Repository,
        path: &str,
        id: Oid,
    ) -> Result<(), GitError> {
        match path.split_once('/') {
            Some((first, rest)) => self.dir(repo, first.as_bytes())?.upsert(repo, rest, id),
            None => {
                self.subtrees.remove(path.as_bytes());
                self.leaves
                    .insert(path.as_bytes().to_vec(), (MODE_BLOB, id));
                Ok(())
            }
        }
    }

    /// Deletes the file `path` if it exists.
    pub(super) fn remove(&mut self, repo: &Repository, path: &str) -> Result<(), GitError> {
        match path.split_once('/') {
            Some((first, rest)) => {
                if self.subtrees.contains_key(first.as_bytes()) {
                    self.dir(repo, first.as_bytes())?.remove(repo, rest)?;
                }
                Ok(())
            }
            None => {
                self.leaves.remove(path.as_bytes());
                Ok(())
            }
        }
    }

    /// Serializes the changed trees bottom-up into `out` and returns this
    /// tree's id; `None` for an empty directory other than the root (git
    /// stores no empty trees).
    pub(super) fn write(
        self,
        out: &mut Vec<(Vec<u8>, Oid)>,
        root: bool,
    ) -> Result<Option<Oid>, GitError> {
        // (sort key, mode, name, id): git orders a tree's entries by name,
        // a subtree's name compared as if it ended in `/`.
        let mut entries: Vec<(Vec<u8>, i32, Vec<u8>, Oid)> = Vec::new();
        for (name, (mode, id)) in self.leaves {
            entries.push((name.clone(), mode, name, id));
        }
        for (name, sub) in self.subtrees {
            let id = match sub {
                SubTree::Unchanged(id) => Some(id),
                SubTree::Changed(node) => node.write(out, false)?,
            };
            if let Some(id) = id {
                let mut key = name.clone();
                key.push(b'/');
                entries.push((key, MODE_TREE, name, id));
            }
        }
        if entries.is_empty() && !root {
            return Ok(None);
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut bytes = Vec::with_capacity(entries.len() * 48);
        for (_, mode, name, id) in &entries {
            bytes.extend_from_slice(format!("{mode:o} ").as_bytes());
            bytes.extend_from_slice(name);
            bytes.push(0);
            bytes.extend_from_slice(id.as_bytes());
        }
        let id = object_id(PackKind::Tree, &bytes)?;
        out.push((bytes, id));
        Ok(Some(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Upserts and removals give the tree libgit2's own tree updater gives,
    /// id for id, with every new tree among the objects to write.
    #[test]
    fn trees_match_libgit2() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let blob = |s: &str| repo.blob(s.as_bytes()).unwrap();
        let (a, b, c) = (blob("a"), blob("b"), blob("c"));
        let mut base = git2::build::TreeUpdateBuilder::new();
        base.upsert("overlays/x/es.yaml", a, git2::FileMode::Blob);
        base.upsert("overlays/x-y/es.yaml", b, git2::FileMode::Blob);
        base.upsert("overlays/x.yaml", c, git2::FileMode::Blob);
        base.upsert("policies/x/p.json", a, git2::FileMode::Blob);
        let empty = repo.treebuilder(None).unwrap().write().unwrap();
        let empty = repo.find_tree(empty).unwrap();
        let base_id = base.create_updated(&repo, &empty).unwrap();

        let mut node = TreeNode::load(&repo, base_id).unwrap();
        node.upsert(&repo, "overlays/x/es.yaml", b).unwrap();
        node.upsert(&repo, "overlays/z/new.yaml", c).unwrap();
        node.remove(&repo, "policies/x/p.json").unwrap();
        node.remove(&repo, "nothing/here.yaml").unwrap();
        let mut written = Vec::new();
        let ours = node.write(&mut written, true).unwrap().unwrap();
        for (bytes, id) in &written {
            repo.odb()
                .unwrap()
                .write(git2::ObjectType::Tree, bytes)
                .unwrap();
            assert_eq!(
                *id,
                Oid::hash_object(git2::ObjectType::Tree, bytes).unwrap()
            );
        }

        let mut theirs = git2::build::TreeUpdateBuilder::new();
        theirs.upsert("overlays/x/es.yaml", b, git2::FileMode::Blob);
        theirs.upsert("overlays/z/new.yaml", c, git2::FileMode::Blob);
        theirs.remove("policies/x/p.json");
        let base_tree = repo.find_tree(base_id).unwrap();
        let theirs = theirs.create_updated(&repo, &base_tree).unwrap();
        assert_eq!(ours, theirs);
        // `policies/` emptied: gone, as git stores no empty trees.
        assert!(repo.find_tree(ours).unwrap().get_name("policies").is_none());
    }
}
