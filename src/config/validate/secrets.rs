//! `[[teams.secrets]]`: keys inside the team prefix, finds, pushes and targets.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::config::raw::RawFind;

impl Validator {
    pub(super) fn remote_key(
        &mut self,
        raw: &SStr,
        prefix: &Located<PathPrefix>,
    ) -> Option<Located<RemoteKey>> {
        let span = self.span(raw);
        match RemoteKey::parse(raw.get_ref(), &prefix.value) {
            Ok(k) => Some(Located::new(k, span)),
            Err(KeyProblem::Malformed(reason)) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::InvalidKey,
                        format!(
                            "`{}` is not a valid remote key: {reason}",
                            shown(raw.get_ref())
                        ),
                    )
                    .at(&span)
                    .help("provider key names are exact: no surrounding space, no trailing `/`"),
                );
                None
            }
            Err(KeyProblem::OutsidePrefix { case_only }) => {
                let help = if case_only {
                    "provider keys are case-sensitive: match the prefix's letter case exactly"
                        .to_owned()
                } else {
                    format!("keys of this team must start with `{}`", prefix.value)
                };
                self.diags.push(
                    Diagnostic::error(
                        Code::KeyOutsidePrefix,
                        format!(
                            "key `{}` is outside the team prefix `{}`",
                            shown(raw.get_ref()),
                            prefix.value
                        ),
                    )
                    .at(&span)
                    .also(&prefix.span, "team prefix")
                    .help(help),
                );
                None
            }
        }
    }

    pub(super) fn secret(
        &mut self,
        s: &Spanned<RawSecret>,
        prefix: &Located<PathPrefix>,
        team_namespaces: &TeamNamespaces,
        default_refresh: Option<&Duration>,
        team_push: Option<&Spanned<bool>>,
    ) -> Option<Secret> {
        let r = s.get_ref();
        let push = match r.push.as_ref().or(team_push) {
            Some(p) if *p.get_ref() => Some(self.span(p)),
            _ => None,
        };
        if let (Some(push_span), Some(find)) = (&push, &r.find) {
            let span = self.span(find);
            self.diags.push(
                Diagnostic::error(Code::InvalidValue, "a pushed secret needs `key`, not `find`")
                    .at(&span)
                    .also(push_span, "push set here")
                    .help("PushSecret writes one Kubernetes Secret to one remote key; set `push = false` on this secret to read with `find`"),
            );
            return None;
        }
        let name = self.newtype(
            &r.name,
            ObjectName::parse,
            Code::InvalidName,
            "secret name",
            "secret names become ExternalSecret names: lowercase letters, digits, `-` and `.`",
        );
        let target = match &r.target {
            Some(t) => self
                .newtype(
                    t,
                    ObjectName::parse,
                    Code::InvalidName,
                    "target Secret name",
                    "Kubernetes Secret names: lowercase letters, digits, `-` and `.`",
                )
                .map(|l| l.value),
            None => name.as_ref().map(|n| n.value.clone()),
        };
        let target_type = match &r.secret_type {
            Some(t) => self.secret_type(t).map(Some),
            None => Some(None),
        };
        let refresh = match &r.refresh_interval {
            Some(d) => self.duration(d),
            None => default_refresh.cloned(),
        };
        let source = self.secret_source(s, prefix);
        let namespaces = match &r.namespaces {
            None => Some(team_namespaces.sorted.clone()),
            Some(list) => self.secret_namespaces(list, team_namespaces),
        };
        // A PushSecret in each namespace would push each namespace's copy
        // of the Secret to the same remote key: they overwrite each other
        // on every refresh, and one whose namespace lacks the Secret fails.
        if let (Some(push_span), Some(list)) = (&push, &namespaces)
            && list.len() > 1
        {
            let shown: Vec<String> = list.iter().map(|n| format!("`{n}`")).collect();
            let mut d = Diagnostic::error(
                Code::InvalidValue,
                format!(
                    "a pushed secret must come from one namespace, but `{}` goes to {}",
                    r.name.get_ref(),
                    shown.join(", ")
                ),
            );
            d = match &r.namespaces {
                Some(l) => d.at(&self.span(l)).also(push_span, "push set here"),
                None => d.at(push_span),
            };
            self.diags.push(d.help(format!(
                "each namespace would push its own copy of the Secret to the same remote key, overwriting the others on every refresh; name the namespace that holds the Secret: `namespaces = [\"{}\"]`",
                list[0]
            )));
            return None;
        }
        Some(Secret {
            name: name?,
            target: target?,
            target_type: target_type?,
            refresh_interval: refresh?,
            namespaces: namespaces?,
            source: source?,
            push,
        })
    }

    /// A secret's `type`: any Kubernetes Secret type spelling (letters,
    /// digits, `.`, `/`, `-`, `_`, at most 253), or `None` after reporting.
    fn secret_type(&mut self, t: &SStr) -> Option<String> {
        let v = t.get_ref();
        let ok = !v.is_empty()
            && v.len() <= 253
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || "./-_".contains(c));
        if !ok {
            let span = self.span(t);
            self.diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("`{}` is not a Kubernetes Secret type", shown(v)),
                )
                .at(&span)
                .help(
                    "for example `Opaque`, `kubernetes.io/dockerconfigjson` or `kubernetes.io/tls`",
                ),
            );
            None
        } else {
            Some(v.clone())
        }
    }

    /// A secret's own `namespaces` list: each must be one of the team's.
    /// Reports every stranger (and an empty list) before giving up, so all
    /// are fixed in one pass; the result is sorted.
    fn secret_namespaces(
        &mut self,
        list: &Spanned<Vec<SStr>>,
        team_namespaces: &TeamNamespaces,
    ) -> Option<Vec<NamespaceName>> {
        if list.get_ref().is_empty() {
            let span = self.span(list);
            self.diags.push(
                Diagnostic::error(
                    Code::NamespaceNotInTeam,
                    "`namespaces` is empty, so the secret would go nowhere",
                )
                .at(&span)
                .help("remove `namespaces` to deliver the secret to all the team's namespaces"),
            );
        }
        let mut out = BTreeSet::new();
        let mut ok = true;
        for ns in list.get_ref() {
            let span = self.span(ns);
            match team_namespaces.get(ns.get_ref()) {
                Some(n) => {
                    out.insert(n.clone());
                }
                None => {
                    ok = false;
                    let owned = team_namespaces.listed();
                    self.diags.push(
                        Diagnostic::error(
                            Code::NamespaceNotInTeam,
                            format!("namespace `{}` does not belong to this team", ns.get_ref()),
                        )
                        .at(&span)
                        .help(format!("the team owns: {owned}")),
                    );
                }
            }
        }
        ok.then(|| out.into_iter().collect())
    }

    pub(super) fn secret_source(
        &mut self,
        s: &Spanned<RawSecret>,
        prefix: &Located<PathPrefix>,
    ) -> Option<SecretSource> {
        let r = s.get_ref();
        let secret_span = self.span(s);
        match (&r.key, &r.find) {
            (Some(_), Some(find)) => {
                let span = self.span(find);
                self.diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        "a secret takes `key` or `find`, not both",
                    )
                    .at(&span)
                    .help("`key` reads one remote secret; `find` searches under a path"),
                );
                None
            }
            (None, None) => {
                self.diags.push(
                    Diagnostic::error(Code::MissingKey, "a secret needs `key` or `find`")
                        .at(&Span::new(
                            self.file,
                            secret_span.range.start..secret_span.range.start,
                        ))
                        .help("add `key = \"<prefix>...\"` naming the remote secret"),
                );
                None
            }
            (Some(key), None) => {
                let key = self.remote_key(key, prefix);
                match &r.data {
                    None => Some(SecretSource::Extract { key: key? }),
                    Some(data) => {
                        let data = self.secret_data(data);
                        Some(SecretSource::Properties { key: key?, data })
                    }
                }
            }
            (None, Some(find)) => {
                if let Some(data) = &r.data {
                    let span = self.span(data);
                    self.diags.push(
                        Diagnostic::error(Code::InvalidValue, "`data` cannot be combined with `find`")
                            .at(&span)
                            .help("`find` copies every matching secret; `data` picks properties of one `key`"),
                    );
                    return None;
                }
                let path = self.find_path(find, prefix);
                let name_regex =
                    self.find_name_regex(find.get_ref().name.as_ref(), path.as_ref(), prefix);
                Some(SecretSource::Find {
                    path: path?,
                    name_regex: name_regex?,
                })
            }
        }
    }

    /// A `data` table: Kubernetes Secret key → JSON property of the remote
    /// secret. Invalid entries are reported and left out; the rest are kept.
    fn secret_data(&mut self, data: &Spanned<BTreeMap<SStr, SStr>>) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        if data.get_ref().is_empty() {
            let span = self.span(data);
            self.diags.push(
                Diagnostic::error(Code::InvalidValue, "`data` is empty")
                    .at(&span)
                    .help("map Secret keys to properties, or remove `data` to copy every property"),
            );
        }
        for (k, v) in data.get_ref() {
            let kspan = self.span(k);
            let valid = !k.get_ref().is_empty()
                && k.get_ref().len() <= 253
                && k.get_ref()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c));
            if !valid {
                self.diags.push(
                    Diagnostic::error(
                        Code::InvalidName,
                        format!(
                            "`{}` is not a valid Kubernetes Secret key",
                            shown(k.get_ref())
                        ),
                    )
                    .at(&kspan)
                    .help("Secret keys use letters, digits, `-`, `_` and `.`"),
                );
                continue;
            }
            if v.get_ref().trim().is_empty() || v.get_ref().trim() != v.get_ref() {
                let vspan = self.span(v);
                self.diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!(
                            "property `{}` is empty or has surrounding space",
                            shown(v.get_ref())
                        ),
                    )
                    .at(&vspan)
                    .help("name the JSON property of the remote secret, such as `password`"),
                );
                continue;
            }
            out.insert(k.get_ref().clone(), v.get_ref().clone());
        }
        out
    }

    /// `find.path`: a valid prefix inside the team prefix, or the team
    /// prefix itself when absent (then located at the `find` table).
    fn find_path(
        &mut self,
        find: &Spanned<RawFind>,
        prefix: &Located<PathPrefix>,
    ) -> Option<Located<String>> {
        let Some(p) = &find.get_ref().path else {
            return Some(Located::new(prefix.value.to_string(), self.span(find)));
        };
        let span = self.span(p);
        match PathPrefix::parse(p.get_ref()) {
            Err(reason) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::InvalidKey,
                        format!(
                            "`{}` is not a valid find path: {reason}",
                            shown(p.get_ref())
                        ),
                    )
                    .at(&span),
                );
                None
            }
            Ok(path) if !path.as_str().starts_with(prefix.value.as_str()) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::KeyOutsidePrefix,
                        format!(
                            "find path `{}` is outside the team prefix `{}`",
                            path, prefix.value
                        ),
                    )
                    .at(&span)
                    .also(&prefix.span, "team prefix")
                    .help(format!("a find path must start with `{}`", prefix.value)),
                );
                None
            }
            Ok(path) => Some(Located::new(path.to_string(), span)),
        }
    }

    /// `find.name`: a regular expression that can only match names under
    /// the find path (the team prefix when the path was invalid), or the
    /// anchored default for `path` when absent. `None` after reporting, or
    /// when there is neither a name nor a valid path.
    fn find_name_regex(
        &mut self,
        name: Option<&SStr>,
        path: Option<&Located<String>>,
        prefix: &Located<PathPrefix>,
    ) -> Option<String> {
        let Some(n) = name else {
            return path.map(|p| default_find_regexp(&p.value));
        };
        match regex::Regex::new(n.get_ref()) {
            Ok(_) => {
                let under = path.map_or(prefix.value.as_str(), |p| p.value.as_str());
                if regex_anchored_under(n.get_ref(), under) {
                    Some(n.get_ref().clone())
                } else {
                    let span = self.span(n);
                    self.diags.push(
                        Diagnostic::error(
                            Code::KeyOutsidePrefix,
                            format!(
                                "find name `{}` may match secrets outside the find path `{under}`",
                                shown(n.get_ref())
                            ),
                        )
                        .at(&span)
                        .also(&prefix.span, "team prefix")
                        .help(format!(
                            "start the expression with `^` and the path, such as `{}`, with no top-level `|`; some providers (Key Vault) search the whole vault by this expression alone",
                            default_find_regexp(under)
                        )),
                    );
                    None
                }
            }
            Err(e) => {
                let span = self.span(n);
                self.diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!("`{}` is not a valid regular expression", shown(n.get_ref())),
                    )
                    .at(&span)
                    .help(first_line(&e.to_string())),
                );
                None
            }
        }
    }
}
