//! `[cluster] gitops`: the Argo CD or Flux source the tree is delivered from.

#[allow(clippy::wildcard_imports)]
use super::*;

impl Validator {
    pub(super) fn gitops(
        &mut self,
        raw: &Spanned<crate::config::raw::RawCluster>,
    ) -> Option<GitOps> {
        let c = raw.get_ref();
        use crate::config::GitOpsTool as Kind;
        let kind = match &c.gitops {
            None => Kind::None,
            Some(g) => {
                parse_enum(g, Kind::ALL, "gitops tool", self.file)
                    .map_err(|d| self.diags.push(*d))
                    .ok()?
                    .value
            }
        };
        if matches!(kind, Kind::None) {
            self.keys_need_gitops(c);
            return Some(GitOps::None);
        }
        let source = self.gitops_source(raw)?;
        match kind {
            Kind::Argo => {
                if let Some(f) = &c.flux_impersonate {
                    let span = self.span(f);
                    self.diags.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            "`flux_impersonate` needs `gitops = \"flux\"`",
                        )
                        .at(&span),
                    );
                }
                let namespace =
                    self.namespace_setting(c.argocd_namespace.as_ref(), DEFAULT_ARGOCD_NAMESPACE)?;
                Some(GitOps::ArgoCd { source, namespace })
            }
            Kind::Flux => {
                let namespace =
                    self.namespace_setting(c.flux_namespace.as_ref(), DEFAULT_FLUX_NAMESPACE)?;
                Some(GitOps::Flux {
                    source,
                    namespace,
                    impersonate: c.flux_impersonate.as_ref().is_some_and(|f| *f.get_ref()),
                })
            }
            Kind::None => Some(GitOps::None),
        }
    }

    /// Reports each repository key set while `gitops` is `none`: nothing
    /// would read it.
    fn keys_need_gitops(&mut self, c: &crate::config::raw::RawCluster) {
        for (key, v) in [
            ("repo_url", &c.repo_url),
            ("revision", &c.revision),
            ("repo_path", &c.repo_path),
        ] {
            if let Some(v) = v {
                let span = self.span(v);
                self.diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!("`{key}` needs `gitops = \"argocd\"` or `\"flux\"`"),
                    )
                    .at(&span)
                    .help("set `gitops`, or remove the key"),
                );
            }
        }
    }

    /// The repository Argo CD or Flux syncs: `repo_url` (required),
    /// `revision` and `repo_path`. Each is checked, so all three are
    /// reported in one pass.
    fn gitops_source(
        &mut self,
        raw: &Spanned<crate::config::raw::RawCluster>,
    ) -> Option<GitSource> {
        let c = raw.get_ref();
        let table = self.span(raw);
        let url = self.gitops_repo_url(c.repo_url.as_ref(), &table);
        let revision = self.gitops_revision(c.revision.as_ref());
        let path = self.gitops_repo_path(c.repo_path.as_ref());
        Some(GitSource {
            url: url?,
            revision: revision?,
            path: path?,
        })
    }

    /// `repo_url`: a URL git can clone (https, http, ssh, scp-style or
    /// file), required once a gitops tool is set. `table` is the
    /// `[cluster]` table, where a missing key is reported.
    fn gitops_repo_url(&mut self, repo_url: Option<&SStr>, table: &Span) -> Option<String> {
        match repo_url {
            Some(u) => {
                let v = u.get_ref();
                let ok = ["https://", "http://", "ssh://", "git@", "file://"]
                    .iter()
                    .any(|p| v.starts_with(p))
                    && !v.contains(char::is_whitespace);
                if !ok {
                    let span = self.span(u);
                    self.diags.push(
                        Diagnostic::error(Code::InvalidValue, format!("`{}` is not a git repository URL", shown(v)))
                            .at(&span)
                            .help("use the URL Argo CD or Flux clones, such as `https://git.example.com/platform/gitops.git`"),
                    );
                    None
                } else {
                    Some(v.clone())
                }
            }
            None => {
                self.diags.push(
                    Diagnostic::error(Code::MissingKey, "missing key `repo_url`")
                        .at_labelled(table, "needed by `gitops`")
                        .help("set `repo_url` to the repository Argo CD or Flux syncs"),
                );
                None
            }
        }
    }

    /// `revision`: a branch name, [`DEFAULT_REVISION`] when absent.
    fn gitops_revision(&mut self, revision: Option<&SStr>) -> Option<String> {
        match revision {
            None => Some(DEFAULT_REVISION.to_owned()),
            Some(r)
                if !r.get_ref().is_empty()
                    && !r.get_ref().contains(char::is_whitespace)
                    && !r.get_ref().contains("..") =>
            {
                Some(r.get_ref().clone())
            }
            Some(r) => {
                let span = self.span(r);
                self.diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!("`{}` is not a branch name", shown(r.get_ref())),
                    )
                    .at(&span),
                );
                None
            }
        }
    }

    /// `repo_path`: a relative path inside the repository, without a
    /// leading `./` or trailing `/`; empty (the root) when absent.
    fn gitops_repo_path(&mut self, repo_path: Option<&SStr>) -> Option<String> {
        match repo_path {
            None => Some(String::new()),
            Some(p) => {
                let trimmed = p.get_ref().trim_start_matches("./").trim_end_matches('/');
                let trimmed = if trimmed == "." { "" } else { trimmed };
                if trimmed.is_empty() || crate::tree::check_path(trimmed).is_ok() {
                    Some(trimmed.to_owned())
                } else {
                    let span = self.span(p);
                    self.diags.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            format!(
                                "`{}` is not a path inside the repository",
                                shown(p.get_ref())
                            ),
                        )
                        .at(&span)
                        .help("a relative path such as `clusters/prod`, without `..`"),
                    );
                    None
                }
            }
        }
    }
}
