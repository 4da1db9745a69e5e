//! What a Vault / OpenBao identity means for the rest of esogen: the
//! store's provider block, the files or objects of its provider side, its
//! decisions and findings.

#[allow(clippy::wildcard_imports)]
use super::*;

impl Backend for VaultIdentity {
    fn service_account_annotations(&self) -> BTreeMap<String, String> {
        BTreeMap::new()
    }

    fn uses_service_account(&self) -> bool {
        true
    }

    fn store_provider(&self, ctx: &StoreContext) -> eso::StoreProvider {
        eso::StoreProvider {
            vault: Some(eso::VaultProvider {
                server: self.server.clone(),
                path: self.mount.clone(),
                version: match self.version {
                    KvVersion::V1 => "v1",
                    KvVersion::V2 => "v2",
                },
                namespace: self.namespace.clone(),
                auth: eso::VaultAuth {
                    kubernetes: eso::VaultKubernetesAuth {
                        mount_path: self.auth_mount.clone(),
                        role: self.role.clone(),
                        service_account_ref: ctx.service_account_ref(vec![self.audience.clone()]),
                    },
                },
            }),
            ..eso::StoreProvider::default()
        }
    }

    fn policy_files(&self, store_name: &str) -> Vec<PolicyFile> {
        vec![
            PolicyFile {
                file_name: format!("{store_name}.vault-policy.hcl"),
                purpose: format!("{} policy write {} THIS_FILE", self.cli(), self.role),
                document: PolicyDocument::VaultPolicy(self.policy()),
            },
            PolicyFile {
                file_name: format!("{store_name}.vault-role.json"),
                purpose: format!(
                    "{} write auth/{}/role/{} @THIS_FILE",
                    self.cli(),
                    self.auth_mount,
                    self.role
                ),
                document: PolicyDocument::VaultRole(self.role_document()),
            },
        ]
    }

    fn decisions(&self) -> Vec<Decision> {
        vec![
            Decision {
                topic: "auth",
                choice: format!("Kubernetes auth at `auth/{}` with role `{}`", self.auth_mount, self.role),
                reason: format!(
                    "{}: the ServiceAccount `{}/{}` logs in with a short-lived token for audience `{}`; the role is bound \
                     to exactly that ServiceAccount and namespace (the Vault token reviewer needs `system:auth-delegator`)",
                    self.kind, self.sa_namespace, self.sa_name, self.audience
                ),
            },
            Decision {
                topic: "policy",
                choice: self
                    .policy()
                    .rules
                    .iter()
                    .map(|r| format!("`{}` ({})", r.path, r.capabilities.join(", ")))
                    .collect::<Vec<_>>()
                    .join(", "),
                reason: "credentials reach the team prefix and nothing else (ESO guide, question 3); with KV v2 the \
                         policy uses `data/` paths while ExternalSecret keys do not"
                    .into(),
            },
        ]
    }

    fn findings(&self) -> Vec<Diagnostic> {
        Vec::new()
    }

    fn identity_key(&self) -> Option<(String, Span)> {
        Some((
            format!(
                "{}/auth/{}/role/{}",
                self.server, self.auth_mount, self.role
            ),
            self.span.clone(),
        ))
    }

    fn egress_ports(&self) -> Vec<u16> {
        let rest = self
            .server
            .split_once("://")
            .map(|(_, r)| r)
            .unwrap_or(&self.server);
        let host = rest.split('/').next().unwrap_or(rest);
        let default = if self.server.starts_with("http://") {
            80
        } else {
            443
        };
        let port = host
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse().ok())
            .unwrap_or(default);
        vec![port]
    }

    fn verify_commands(&self) -> Vec<String> {
        vec![
            format!(
                "{} read auth/{}/role/{}",
                self.cli(),
                self.auth_mount,
                self.role
            ),
            format!("{} policy read {}", self.cli(), self.role),
        ]
    }

    fn granted_resources(&self) -> Vec<String> {
        self.policy().rules.into_iter().map(|r| r.path).collect()
    }

    fn access_objects(
        &self,
        delivery: Delivery,
        ctx: &AccessContext,
    ) -> Vec<crate::manifest::access::AccessObject> {
        match delivery {
            Delivery::VaultConfigOperator => self.operator_objects(ctx),
            _ => Vec::new(),
        }
    }

    fn terraform(&self, ctx: &AccessContext) -> crate::manifest::terraform::TfFragment {
        self.terraform_fragment(ctx)
    }

    fn delivery_findings(&self, delivery: Delivery) -> Vec<Diagnostic> {
        self.check_delivery(delivery)
    }

    fn delivery_checks(&self, delivery: Delivery, ctx: &AccessContext) -> Vec<String> {
        self.checks(delivery, ctx)
    }
}
