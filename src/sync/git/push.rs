//! `--push`: sends a committed branch to a remote, never forcing, and on a
//! refusal says why: a branch that is not a fast-forward (fetch, merge,
//! regenerate) or the remote's own policy (a hook, a protected branch), with
//! what the remote said. Consumes a remote (a name or a URL) and a branch;
//! produces the remote's messages.
//!
//! A remote on this machine (a `file://` URL or a path) is pushed to with
//! the `git` command. libgit2's local transport copies the objects and moves
//! the reference itself, so the remote's pre-receive and update hooks would
//! never run and a push its policy forbids would succeed. `git push` runs
//! the remote's `receive-pack`, hooks included. Without `git` esogen does
//! not push there at all: the push would bypass the remote's policy, and a
//! warning in a CI log is read after the fact. Remotes over the network go
//! through libgit2, whose transports talk to the remote's own
//! `receive-pack`; its messages arrive on the side band.

use std::cell::RefCell;
use std::process::{Command, Stdio};
use std::rc::Rc;

use super::{GitError, GitRepo, git};

/// At most this many lines of what a remote says are kept, and at most
/// [`MAX_REMOTE_BYTES`] bytes are read: the messages are shown as sent, and
/// a broken or hostile remote could send megabytes.
const MAX_REMOTE_LINES: usize = 40;
const MAX_REMOTE_BYTES: usize = 64 * 1024;

/// Variables that tell git which repository to use. The repository is the
/// one esogen found from `--out`; these, exported by a surrounding git (a
/// hook that runs esogen), would point `git push` elsewhere.
const REPOSITORY_ENV: [&str; 7] = [
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_COMMON_DIR",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_NAMESPACE",
];

impl GitRepo {
    /// Pushes `branch` to the same-named branch of `remote` (a remote name
    /// or a URL) without forcing. A remote on this machine goes through
    /// `git push`, so its hooks run (see the module comment). Credentials
    /// for the others: an SSH agent, then a token from `ESOGEN_GIT_TOKEN`
    /// (or `GIT_TOKEN`), then git's credential helpers. Returns what the
    /// remote said (its `remote:` lines, such as a hook's notice), control
    /// characters escaped.
    pub fn push(
        &self,
        remote: &str,
        branch: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Vec<String>, GitError> {
        let remote_obj = match self.repo.find_remote(remote) {
            Ok(r) => r,
            Err(_) => self
                .repo
                .remote_anonymous(remote)
                .map_err(git(format!("use remote `{remote}`")))?,
        };
        // Where a push goes: the push URL if one is configured, after
        // `insteadOf` rewriting, as git decides it.
        let url = String::from_utf8_lossy(
            remote_obj
                .pushurl_bytes()
                .unwrap_or_else(|| remote_obj.url_bytes()),
        );
        if is_local(&url) {
            return self.push_with_git(remote, branch);
        }
        push_with_libgit2(self.repo.config().ok(), remote_obj, remote, branch, env)
    }

    /// `git push` of one branch, no force; the outcome read from
    /// `--porcelain` (one tab-separated line per reference, not translated)
    /// and the remote's messages from its `remote:` lines.
    fn push_with_git(&self, remote: &str, branch: &str) -> Result<Vec<String>, GitError> {
        let refspec = format!("refs/heads/{branch}:refs/heads/{branch}");
        let mut cmd = Command::new("git");
        cmd.arg("--git-dir")
            .arg(self.repo.path())
            // The same push as over libgit2: exactly this branch, no tags, no
            // submodules, none of this repository's own hooks (esogen's
            // commits run none either); `--` so a remote cannot be read as
            // an option.
            .args([
                "push",
                "--porcelain",
                "--no-verify",
                "--no-follow-tags",
                "--recurse-submodules=no",
                "--",
                remote,
                &refspec,
            ])
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null());
        for name in REPOSITORY_ENV {
            cmd.env_remove(name);
        }
        let output = match cmd.output() {
            Ok(o) => o,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(GitError::LocalPushNeedsGit {
                    remote: remote.to_owned(),
                });
            }
            Err(e) => return Err(GitError::RunGit(e)),
        };
        let stderr = String::from_utf8_lossy(&output.stderr);
        let said = remote_lines(&stderr);
        if let Some((reference, reason)) =
            porcelain_rejection(&String::from_utf8_lossy(&output.stdout))
        {
            return Err(rejection(reference, reason, said));
        }
        if !output.status.success() {
            let said = capped(
                stderr
                    .lines()
                    .map(str::trim_end)
                    .filter(|l| !l.is_empty() && !l.starts_with("hint:")),
            );
            return Err(GitError::PushFailed {
                remote: remote.to_owned(),
                said,
            });
        }
        Ok(said)
    }
}

/// A push over libgit2. A refused reference is reported through the
/// `push_update_reference` callback with the remote's reason; the remote's
/// messages (a hook's output) arrive through `sideband_progress`.
fn push_with_libgit2(
    config: Option<git2::Config>,
    mut remote_obj: git2::Remote<'_>,
    remote: &str,
    branch: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<String>, GitError> {
    let token = env("ESOGEN_GIT_TOKEN").or_else(|| env("GIT_TOKEN"));
    let mut tried_agent = false;
    let mut tried_token = false;
    let mut callbacks = git2::RemoteCallbacks::new();
    callbacks.credentials(move |url, username, allowed| {
        if allowed.contains(git2::CredentialType::SSH_KEY) && !tried_agent {
            tried_agent = true;
            return git2::Cred::ssh_key_from_agent(username.unwrap_or("git"));
        }
        if allowed.contains(git2::CredentialType::USER_PASS_PLAINTEXT) {
            if let Some(t) = &token
                && !tried_token
            {
                tried_token = true;
                return git2::Cred::userpass_plaintext(username.unwrap_or("x-access-token"), t);
            }
            if let Some(c) = &config {
                return git2::Cred::credential_helper(c, url, username);
            }
        }
        Err(git2::Error::from_str(
            "no usable credentials (SSH agent, ESOGEN_GIT_TOKEN or a credential helper)",
        ))
    });
    let refused: Rc<RefCell<Option<(String, String)>>> = Rc::default();
    let seen = Rc::clone(&refused);
    callbacks.push_update_reference(move |reference, status| {
        if let Some(reason) = status {
            *seen.borrow_mut() = Some((reference.to_owned(), reason.to_owned()));
        }
        Ok(())
    });
    let side_band: Rc<RefCell<Vec<u8>>> = Rc::default();
    let sink = Rc::clone(&side_band);
    callbacks.sideband_progress(move |data| {
        let mut sink = sink.borrow_mut();
        let room = MAX_REMOTE_BYTES.saturating_sub(sink.len());
        sink.extend(data.iter().take(room));
        true
    });
    let mut opts = git2::PushOptions::new();
    opts.remote_callbacks(callbacks);
    // No leading `+`: a non-fast-forward update is refused, never forced.
    let refspec = format!("refs/heads/{branch}:refs/heads/{branch}");
    let result = remote_obj.push(&[refspec.as_str()], Some(&mut opts));
    let said = side_band_lines(&String::from_utf8_lossy(&side_band.borrow()));
    if let Some((reference, reason)) = refused.borrow_mut().take() {
        return Err(rejection(reference, reason, said));
    }
    match result {
        Ok(()) => Ok(said),
        Err(e)
            if e.code() == git2::ErrorCode::NotFastForward
                || e.message().contains("fast-forward")
                || e.message().contains("fast forward") =>
        {
            Err(GitError::NotFastForward {
                reference: format!("refs/heads/{branch}"),
            })
        }
        Err(e) => Err(git(format!("push to `{remote}`"))(e)),
    }
}

/// Whether `url` names a repository on this machine, by git's rule
/// (`transport_get` and `url_is_local_not_ssh` in git's `transport.c` and
/// `connect.c`): a `file://` URL, or, without `://` and without a
/// `helper::` prefix, a path with no colon or with a slash before the first
/// colon (`host:path` is SSH).
fn is_local(url: &str) -> bool {
    if let Some((scheme, _)) = url.split_once("://")
        && !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return scheme.eq_ignore_ascii_case("file");
    }
    let unreserved = url
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')))
        .unwrap_or(url.len());
    if url
        .get(unreserved..)
        .is_some_and(|rest| rest.starts_with("::"))
    {
        return false;
    }
    match (url.find(':'), url.find('/')) {
        (None, _) => true,
        (Some(colon), Some(slash)) => slash < colon,
        (Some(_), None) => false,
    }
}

/// The first refused reference in `git push --porcelain` output, and the
/// reason in its summary: `!<TAB>from:to<TAB>[remote rejected] (reason)`.
fn porcelain_rejection(stdout: &str) -> Option<(String, String)> {
    stdout.lines().find_map(|line| {
        let mut fields = line.strip_prefix("!\t")?.split('\t');
        let refs = fields.next()?;
        let summary = fields.next().unwrap_or_default();
        let reference = refs.rsplit_once(':').map_or(refs, |(_, to)| to);
        let reason = summary
            .split_once(" (")
            .and_then(|(_, r)| r.strip_suffix(')'))
            .unwrap_or(summary);
        Some((reference.to_owned(), reason.to_owned()))
    })
}

/// The error for a refused reference: a branch behind the remote's, or
/// the remote's own refusal with what it said.
fn rejection(reference: String, reason: String, said: Vec<String>) -> GitError {
    // git's client-side reasons ("non-fast-forward", "fetch first") and the
    // one receive-pack gives under `receive.denyNonFastForwards`.
    if reason.contains("non-fast-forward") || reason.contains("fetch first") {
        GitError::NotFastForward { reference }
    } else {
        GitError::RemoteRejected {
            reference,
            reason: crate::source::escape_unsafe(&reason),
            said,
        }
    }
}

/// The remote's messages in what `git push` printed: its `remote:` lines.
fn remote_lines(stderr: &str) -> Vec<String> {
    capped(
        stderr
            .lines()
            .filter_map(|l| l.strip_prefix("remote:"))
            .map(|l| l.strip_prefix(' ').unwrap_or(l).trim_end())
            .filter(|l| !l.is_empty()),
    )
}

/// The remote's messages in side-band text: one per line, and of a line
/// rewritten in place with carriage returns (progress), its last state.
fn side_band_lines(text: &str) -> Vec<String> {
    capped(
        text.split('\n')
            .filter_map(|l| l.split('\r').map(str::trim_end).rfind(|s| !s.is_empty()))
            .filter(|l| !l.is_empty()),
    )
}

/// At most [`MAX_REMOTE_LINES`] lines, control characters escaped, and a
/// count of the rest.
fn capped<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut more = 0usize;
    for line in lines {
        if out.len() < MAX_REMOTE_LINES {
            out.push(crate::source::escape_unsafe(line));
        } else {
            more += 1;
        }
    }
    if more > 0 {
        out.push(format!("({more} more lines)"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_urls_follow_gits_rule() {
        for local in [
            "file:///srv/gitops.git",
            "FILE:///srv/gitops.git",
            "/srv/gitops.git",
            "../gitops.git",
            "gitops.git",
            "./a:b",
            "-x",
        ] {
            assert!(is_local(local), "{local}");
        }
        for remote in [
            "git://host/x.git",
            "https://user:T0KEN@host/x.git",
            "ssh://git@host/x.git",
            "git@host:x.git",
            "host:/srv/x.git",
            "ext::sh -c x",
            "fd::3",
        ] {
            assert!(!is_local(remote), "{remote}");
        }
    }

    #[test]
    fn porcelain_rejections_name_the_reference_and_reason() {
        let hook = "To /srv/x\n!\trefs/heads/main:refs/heads/main\t[remote rejected] (pre-receive hook declined)\nDone\n";
        assert_eq!(
            porcelain_rejection(hook),
            Some(("refs/heads/main".into(), "pre-receive hook declined".into()))
        );
        let behind =
            "To /srv/x\n!\trefs/heads/main:refs/heads/main\t[rejected] (fetch first)\nDone\n";
        assert!(matches!(
            rejection("r".into(), porcelain_rejection(behind).unwrap().1, vec![]),
            GitError::NotFastForward { .. }
        ));
        let ok = "To /srv/x\n \trefs/heads/main:refs/heads/main\t1111111..2222222\nDone\n";
        assert_eq!(porcelain_rejection(ok), None);
    }

    #[test]
    fn remote_messages_are_trimmed_escaped_and_capped() {
        assert_eq!(
            remote_lines("remote: policy: no        \nremote: \x1b[31mred\nerror: failed\n"),
            vec!["policy: no".to_owned(), "\\u{1b}[31mred".to_owned()]
        );
        assert_eq!(
            side_band_lines("Resolving deltas:  50%\rResolving deltas: 100%\nhook says no\n"),
            vec![
                "Resolving deltas: 100%".to_owned(),
                "hook says no".to_owned()
            ]
        );
        let many = "remote: x\n".repeat(100);
        let lines = remote_lines(&many);
        assert_eq!(lines.len(), MAX_REMOTE_LINES + 1);
        assert_eq!(lines.last().unwrap(), "(60 more lines)");
    }
}
