//! The provider side of each store as its delivery applies it, and the
//! files that gather every store's: `bases/access/kustomization.yaml` and
//! `terraform/main.tf.json`.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The provider side of one store, as its delivery applies it: documents
/// under `policies/<ns>/`, controller objects under `bases/access/`, or
/// Terraform resources under `terraform/`.
pub(super) fn policy_artifacts(store: &StorePlan, plan: &Plan) -> Vec<Artifact> {
    let ctx = plan.access_context(store);
    match store.delivery {
        Delivery::Files => store
            .backend
            .policy_files(store.name.as_str())
            .into_iter()
            .map(|f| Artifact {
                path: format!("policies/{}/{}", store.home_namespace(), f.file_name),
                reason: Some(f.purpose),
                content: Content::Policy(f.document),
            })
            .collect(),
        Delivery::Terraform => {
            let fragment = store.backend.terraform(&ctx);
            let addresses: Vec<String> = fragment
                .resources
                .iter()
                .map(terraform::TfResource::address)
                .chain(
                    fragment
                        .data
                        .iter()
                        .map(|d| format!("data.{}", d.address())),
                )
                .collect();
            vec![Artifact {
                path: ctx.terraform_path(),
                reason: Some(format!(
                    "the provider side of store `{}` in namespace `{}`: {}",
                    ctx.store_name,
                    ctx.home_namespace,
                    addresses.join(", ")
                )),
                content: Content::Terraform(TfFile::store(String::new(), fragment)),
            }]
        }
        delivery => {
            let objects = store.backend.access_objects(delivery, &ctx);
            vec![Artifact {
                path: ctx.access_path(),
                reason: Some(format!(
                    "the provider side of store `{}` in namespace `{}`, reconciled by {delivery}; platform-owned, pruned with the namespace",
                    ctx.store_name, ctx.home_namespace
                )),
                content: Content::Yaml(
                    objects
                        .into_iter()
                        .map(|o| Object::Access(Box::new(o)))
                        .collect(),
                ),
            }]
        }
    }
}

/// The files that gather every store's provider side:
/// `bases/access/kustomization.yaml` when a controller applies some, and
/// `terraform/main.tf.json` (versions, provider configurations, variables)
/// when Terraform does.
pub(super) fn access_index(plan: &Plan) -> Vec<Artifact> {
    let mut access = Vec::new();
    let mut fragments = Vec::new();
    for store in &plan.stores {
        let ctx = plan.access_context(store);
        match store.delivery {
            Delivery::Files => {}
            Delivery::Terraform => fragments.push(store.backend.terraform(&ctx)),
            _ => access.push(format!("{}.yaml", ctx.object_name())),
        }
    }
    let mut out = Vec::new();
    if !access.is_empty() {
        access.sort();
        let mut k = Kustomization::new(access);
        k.labels = vec![LabelSet {
            pairs: crate::manifest::gitops::managed_labels(),
            include_selectors: false,
        }];
        out.push(Artifact {
            path: "bases/access/kustomization.yaml".into(),
            reason: Some(
                "provider-side access applied by controllers: delivered by the platform's GitOps objects, never by a tenant overlay".into(),
            ),
            content: Content::Yaml(vec![Object::Kustomization(k)]),
        });
    }
    if !fragments.is_empty() {
        let shared = fragments.iter().any(|f| !f.shared.is_empty());
        out.push(Artifact {
            path: format!("{}/main.tf.json", terraform::DIR),
            reason: Some(if shared {
                "Terraform version, provider configurations and inputs of the provider side, and the resources several stores share".into()
            } else {
                "Terraform version, provider configurations and inputs of the provider side".into()
            }),
            content: Content::Terraform(TfFile::main(String::new(), &fragments)),
        });
    }
    out
}
