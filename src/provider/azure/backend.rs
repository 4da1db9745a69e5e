//! What an Azure Key Vault identity means for the rest of esogen: the
//! store's provider block, the ServiceAccount's annotations, the files or
//! objects of its provider side, its decisions and findings.

#[allow(clippy::wildcard_imports)]
use super::*;

impl Backend for AzureIdentity {
    fn service_account_annotations(&self) -> BTreeMap<String, String> {
        match (&self.auth, &self.client_id) {
            // Only the client id: the tenant is the store's `tenantId`
            // (see TENANT_ID_ANNOTATION).
            (AuthMode::Platform, Some(c)) => {
                BTreeMap::from([(CLIENT_ID_ANNOTATION.to_owned(), c.clone())])
            }
            _ => BTreeMap::new(),
        }
    }

    fn uses_service_account(&self) -> bool {
        self.auth == AuthMode::Platform
    }

    fn store_provider(&self, ctx: &StoreContext) -> eso::StoreProvider {
        let provider = match &self.auth {
            AuthMode::Platform => eso::AzureProvider {
                auth_type: "WorkloadIdentity",
                vault_url: self.vault_url.clone(),
                tenant_id: self.tenant_id.clone(),
                service_account_ref: Some(ctx.service_account_ref(Vec::new())),
                auth_secret_ref: None,
            },
            AuthMode::Static { secret } => eso::AzureProvider {
                auth_type: "ServicePrincipal",
                vault_url: self.vault_url.clone(),
                tenant_id: self.tenant_id.clone(),
                service_account_ref: None,
                auth_secret_ref: Some(eso::AzureSecretRef {
                    client_id: ctx.secret_key_ref(&secret.value, STATIC_KEYS[0]),
                    client_secret: ctx.secret_key_ref(&secret.value, STATIC_KEYS[1]),
                }),
            },
        };
        eso::StoreProvider {
            azurekv: Some(provider),
            ..eso::StoreProvider::default()
        }
    }

    fn policy_files(&self, store_name: &str) -> Vec<PolicyFile> {
        let mut out = Vec::new();
        if let Some(credential) = self.federated_credential() {
            out.push(PolicyFile {
                file_name: format!("{store_name}.federated-credential.json"),
                purpose: "az identity federated-credential create --parameters @THIS_FILE".into(),
                document: PolicyDocument::AzureFederatedCredential(credential),
            });
        }
        if let Some(grant) = self.role_grant() {
            out.push(PolicyFile {
                file_name: format!("{store_name}.role-assignments.json"),
                purpose: "the role assignment giving the identity access to the vault".into(),
                document: PolicyDocument::AzureRoleAssignments(grant.document()),
            });
        }
        out
    }

    fn decisions(&self) -> Vec<Decision> {
        let mut out = vec![
            match &self.auth {
                AuthMode::Platform => Decision {
                    topic: "auth",
                    choice: format!(
                        "Azure Workload Identity with client id `{}`",
                        self.client_id.as_deref().unwrap_or_default()
                    ),
                    reason: format!(
                        "AKS + Azure Key Vault: short-lived federated tokens; the ServiceAccount `{}/{}` carries \
                         `{CLIENT_ID_ANNOTATION}` and a federated credential trusts exactly that subject",
                        self.sa_namespace, self.sa_name
                    ),
                },
                AuthMode::Static { secret } => static_decision(&secret.value, STATIC_KEYS),
            },
            Decision {
                topic: "policy",
                choice: format!("`{}` on vault `{}`", self.role(), self.vault_name),
                reason: format!(
                    "Key Vault cannot limit access to a name prefix, so the prefix {} is enforced by esogen's checks \
                     and admission policy only; a vault per team keeps teams apart",
                    self.prefixes.join(", ")
                ),
            },
        ];
        if let Some(identity) = &self.identity {
            out.push(Decision {
                topic: "identity",
                choice: format!(
                    "managed identity `{}` in resource group `{}`, referenced and never created",
                    identity.name, identity.group
                ),
                reason: "the ServiceAccount carries its client id, an input: Azure chooses a client id only when it \
                         creates an identity, so Terraform and Azure Service Operator add the federated credential \
                         to this existing identity and leave the identity itself alone"
                    .into(),
            });
        }
        out
    }

    fn findings(&self) -> Vec<Diagnostic> {
        Vec::new()
    }

    fn unscoped_reach(&self) -> Vec<Reach> {
        // Key Vault RBAC scopes to a vault or one secret, never a name
        // prefix: whoever reaches the vault, or holds the identity, reads
        // every secret in it.
        let mut out = vec![Reach {
            what: "Key Vault",
            key: self.vault_url.trim_end_matches('/').to_ascii_lowercase(),
            span: self.url_span.clone(),
            accepted: self.allow_shared,
        }];
        if let (AuthMode::Platform, Some(c), Some(span)) =
            (&self.auth, &self.client_id, &self.client_span)
        {
            out.push(Reach {
                what: "workload identity (client id)",
                key: c.to_ascii_lowercase(),
                span: span.clone(),
                accepted: self.allow_shared,
            });
        }
        out
    }

    fn identity_key(&self) -> Option<(String, Span)> {
        None
    }

    fn verify_commands(&self) -> Vec<String> {
        let mut out = vec![format!(
            "az keyvault secret list --vault-name {} --query [].name",
            self.vault_name
        )];
        if let Some(c) = &self.client_id {
            out.push(format!("az role assignment list --assignee {c} --all"));
            out.push(match &self.identity {
                Some(i) => format!(
                    "az identity federated-credential list --identity-name {} --resource-group {} --subscription {}",
                    i.name, i.group, i.subscription
                ),
                None => format!("az ad app federated-credential list --id {c}"),
            });
        }
        out
    }

    fn granted_resources(&self) -> Vec<String> {
        vec![self.vault_url.clone()]
    }

    fn access_objects(
        &self,
        delivery: Delivery,
        ctx: &AccessContext,
    ) -> Vec<crate::manifest::access::AccessObject> {
        match delivery {
            Delivery::AzureServiceOperator => self.aso_objects(ctx),
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
