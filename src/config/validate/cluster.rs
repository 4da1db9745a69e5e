//! `[cluster]`: name, platform, store scope, namespaces, the ESO install and who may write stores.

#[allow(clippy::wildcard_imports)]
use super::*;

impl Validator {
    pub(super) fn cluster(
        &mut self,
        raw: &Spanned<crate::config::raw::RawCluster>,
    ) -> Option<Cluster> {
        let c = raw.get_ref();
        let name = self.newtype(
            &c.name,
            ClusterName::parse,
            Code::InvalidName,
            "cluster name",
            "use lowercase letters, digits and `-`",
        );
        let platform = parse_enum(&c.platform, Platform::ALL, "platform", self.file)
            .map_err(|d| self.diags.push(*d))
            .ok();
        let store_scope = match &c.store_scope {
            Some(s) => parse_enum(s, StoreScopeSetting::ALL, "store scope", self.file)
                .map_err(|d| self.diags.push(*d))
                .ok(),
            None => Some(Located::new(StoreScopeSetting::Auto, self.span(raw))),
        };
        let refresh_interval = match &c.refresh_interval {
            Some(r) => self.duration(r),
            None => Duration::parse(DEFAULT_REFRESH_INTERVAL).ok(),
        };
        let eso_namespace = self.namespace_setting(c.eso_namespace.as_ref(), DEFAULT_ESO_NAMESPACE);
        let gitops = self.gitops(raw);
        let admission = match &c.admission {
            None => Some(Admission::Vap),
            Some(a) => parse_enum(a, Admission::ALL, "admission mode", self.file)
                .map_err(|d| self.diags.push(*d))
                .ok()
                .map(|l| l.value),
        };
        let eso = self.eso_install(c);
        let store_writers = self.store_writers(c, gitops.as_ref());
        Some(Cluster {
            name: name?,
            platform: platform?,
            store_scope: store_scope?,
            refresh_interval: refresh_interval?,
            eso_namespace: eso_namespace?,
            gitops: gitops?,
            admission: admission?,
            admission_settings: AdmissionSettings {
                allow_generators: c.allow_generators.as_ref().is_some_and(|b| *b.get_ref()),
                store_writers: store_writers?,
            },
            eso: eso?,
            span: self.span(raw),
        })
    }

    pub(super) fn namespace_setting(
        &mut self,
        raw: Option<&SStr>,
        default: &str,
    ) -> Option<NamespaceName> {
        match raw {
            Some(n) => self
                .newtype(
                    n,
                    NamespaceName::parse,
                    Code::InvalidNamespace,
                    "namespace",
                    "namespaces are DNS-1123 labels: lowercase letters, digits and `-`, at most 63",
                )
                .map(|l| l.value),
            None => NamespaceName::parse(default).ok(),
        }
    }

    /// `store_writers`, or the identity that applies the tree by default.
    pub(super) fn store_writers(
        &mut self,
        c: &crate::config::raw::RawCluster,
        gitops: Option<&GitOps>,
    ) -> Option<Vec<StoreWriter>> {
        let Some(list) = &c.store_writers else {
            let sa = |ns: &NamespaceName, name: &str| {
                StoreWriter::User(format!("system:serviceaccount:{ns}:{name}"))
            };
            return Some(match gitops? {
                GitOps::None => Vec::new(),
                GitOps::ArgoCd { namespace, .. } => {
                    vec![sa(namespace, ARGOCD_APPLICATION_CONTROLLER)]
                }
                GitOps::Flux {
                    impersonate: true, ..
                } => vec![StoreWriter::FluxTenantReconciler],
                GitOps::Flux { namespace, .. } => vec![sa(namespace, FLUX_KUSTOMIZE_CONTROLLER)],
            });
        };
        let mut out = Vec::new();
        let mut ok = true;
        for w in list.get_ref() {
            let v = w.get_ref();
            if v.is_empty() || v.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
                ok = false;
                let span = self.span(w);
                self.diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        if v.is_empty() {
                            "an empty string is not a Kubernetes user name".to_owned()
                        } else {
                            format!("`{}` is not a Kubernetes user name", shown(v))
                        },
                    )
                    .at(&span)
                    .help("such as `system:serviceaccount:argocd:argocd-application-controller`"),
                );
            } else {
                out.push(StoreWriter::User(v.clone()));
            }
        }
        if ok && out.is_empty() {
            let span = self.span(list);
            self.diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    "`store_writers` is empty, so nobody could apply the generated SecretStores",
                )
                .at(&span)
                .help("list the identity that applies the tree, or remove the key for the GitOps controller's own"),
            );
            ok = false;
        }
        ok.then_some(out)
    }

    pub(super) fn eso_install(&mut self, c: &crate::config::raw::RawCluster) -> Option<EsoInstall> {
        let chart_version = match &c.eso_chart_version {
            None => Some(DEFAULT_ESO_CHART_VERSION.to_owned()),
            Some(v)
                if !v.get_ref().is_empty()
                    && v.get_ref()
                        .chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || ".-+".contains(ch)) =>
            {
                Some(v.get_ref().clone())
            }
            Some(v) => {
                let span = self.span(v);
                self.diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!("`{}` is not a chart version", shown(v.get_ref())),
                    )
                    .at(&span)
                    .help("for example `2.9.0`"),
                );
                None
            }
        };
        let mut ok = true;
        let egress_cidrs = match &c.egress_cidrs {
            None => vec!["0.0.0.0/0".to_owned()],
            Some(list) => {
                let mut out = Vec::new();
                for cidr in list.get_ref() {
                    if is_cidr(cidr.get_ref()) {
                        out.push(cidr.get_ref().clone());
                    } else {
                        ok = false;
                        let span = self.span(cidr);
                        self.diags.push(
                            Diagnostic::error(
                                Code::InvalidValue,
                                format!("`{}` is not a CIDR", shown(cidr.get_ref())),
                            )
                            .at(&span)
                            .help("for example `10.0.0.0/8` or `2001:db8::/32`"),
                        );
                    }
                }
                if out.is_empty() && ok {
                    let span = self.span(list);
                    self.diags.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            "`egress_cidrs` is empty, so ESO could reach nothing",
                        )
                        .at(&span),
                    );
                    ok = false;
                }
                out
            }
        };
        let monitoring_namespace = self.namespace_setting(
            c.monitoring_namespace.as_ref(),
            DEFAULT_MONITORING_NAMESPACE,
        );
        if !ok {
            return None;
        }
        Some(EsoInstall {
            chart_version: chart_version?,
            egress_cidrs,
            monitoring_namespace: monitoring_namespace?,
        })
    }
}
