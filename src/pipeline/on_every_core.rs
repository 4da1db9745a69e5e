//! A large configuration is parsed, validated and planned on every core
//! (`config::chunked`, the per-team validation and planning); one core
//! takes the one pass in file order. Both must find exactly the same: the
//! same config, plan and findings in the same order, for valid files and
//! for files with mistakes in any team.

use proptest::prelude::*;

/// Mistakes a team can carry, each found by a different rule.
#[derive(Debug, Clone, Copy)]
pub(super) enum Mistake {
    None,
    DuplicateName,
    DuplicateNamespace,
    UnknownProvider,
    PrefixWithoutSeparator,
    OverlappingPrefix,
    KeyOutsidePrefix,
    BadNamespace,
    KeyAndFind,
    BrokenToml,
    /// An access key id pasted in a comment (found in the text as written).
    PastedKey,
    /// An access key id written with an escape (found once decoded).
    EscapedKey,
}

/// `teams` teams, `mistakes` of them (at those indexes) with a mistake.
fn with_mistakes(teams: usize, mistakes: &[(usize, Mistake)]) -> Vec<Mistake> {
    let mut all = vec![Mistake::None; teams];
    for (i, m) in mistakes {
        all[i % teams] = *m;
    }
    all
}

fn mistake() -> impl Strategy<Value = Mistake> {
    prop_oneof![
        1 => Just(Mistake::DuplicateName),
        1 => Just(Mistake::DuplicateNamespace),
        1 => Just(Mistake::UnknownProvider),
        1 => Just(Mistake::PrefixWithoutSeparator),
        1 => Just(Mistake::OverlappingPrefix),
        1 => Just(Mistake::KeyOutsidePrefix),
        1 => Just(Mistake::BadNamespace),
        1 => Just(Mistake::KeyAndFind),
        1 => Just(Mistake::BrokenToml),
        1 => Just(Mistake::PastedKey),
        1 => Just(Mistake::EscapedKey),
    ]
}

/// A file of `mistakes.len()` teams on two providers; with `static_ack`,
/// one provider's delivery cannot apply its stores' identities (an error
/// every store of it finds, reported once).
pub(super) fn config(mistakes: &[Mistake], static_ack: bool, push: bool) -> String {
    let mut s = String::from(
        "version = 1\n[cluster]\nname = \"c\"\nplatform = \"eks\"\nstore_scope = \"namespace\"\n\n\
         [providers.aws]\nkind = \"aws-secrets-manager\"\nregion = \"eu-west-1\"\n\
         account_id = \"111111111111\"\noidc_provider = \"oidc.eks.eu-west-1.amazonaws.com/id/X\"\n\n\
         [providers.ps]\nkind = \"aws-parameter-store\"\nregion = \"eu-west-1\"\n\
         account_id = \"111111111111\"\n",
    );
    if static_ack {
        s.push_str("auth = \"static\"\ncredentials_secret = \"aws-creds\"\ndelivery = \"ack\"\n");
    } else {
        s.push_str("oidc_provider = \"oidc.eks.eu-west-1.amazonaws.com/id/X\"\n");
    }
    for (i, m) in mistakes.iter().enumerate() {
        let prev = i.saturating_sub(1);
        let name = match m {
            Mistake::DuplicateName => format!("t{prev}"),
            _ => format!("t{i}"),
        };
        let provider = match (m, i % 3) {
            (Mistake::UnknownProvider, _) => "nope",
            (_, 0) => "ps",
            _ => "aws",
        };
        let prefix = match m {
            Mistake::PrefixWithoutSeparator => format!("/prod/t{i}"),
            Mistake::OverlappingPrefix => format!("/prod/t{prev}/sub/"),
            _ => format!("/prod/t{i}/"),
        };
        let ns = match m {
            Mistake::DuplicateNamespace => format!("t{prev}"),
            Mistake::BadNamespace => format!("T_{i}"),
            _ => format!("t{i}"),
        };
        let key = match m {
            Mistake::KeyOutsidePrefix => "/other/k".to_owned(),
            _ => format!("/prod/t{i}/k"),
        };
        s.push_str(&format!(
            "\n[[teams]]\nname = \"{name}\"\nprovider = \"{provider}\"\nprefix = \"{prefix}\"\n\
             namespaces = [\"{ns}\"]\n\n[[teams.secrets]]\nname = \"s\"\nkey = \"{key}\"\n"
        ));
        if push {
            s.push_str("push = true\n");
        }
        match m {
            Mistake::KeyAndFind => s.push_str(&format!("find = {{ path = \"/prod/t{i}/\" }}\n")),
            Mistake::BrokenToml => s.push_str("refresh_interval = \n"),
            Mistake::PastedKey => s.push_str("# AKIAIOSFODNN7EXAMPLE\n"),
            Mistake::EscapedKey => {
                s.push_str("data = { \"AKIA\\u0049OSFODNN7EXAMPLE\" = \"v\" }\n");
            }
            _ => {}
        }
    }
    s
}

/// `check` on `text`, as a string to compare.
fn checked(text: &str) -> String {
    let (_, checked, diags) = super::check_text("tenants.toml", text);
    format!("{:?}", (checked, diags))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_core_finds_what_one_core_finds(
        teams in 256_usize..300,
        mistakes in prop::collection::vec((any::<usize>(), mistake()), 0..4),
        static_ack in any::<bool>(),
        push in any::<bool>(),
    ) {
        let text = config(&with_mistakes(teams, &mistakes), static_ack, push);
        let many = checked(&text);
        let one = crate::parallel::on_one_core(|| checked(&text));
        prop_assert_eq!(many, one);
    }
}

#[test]
fn a_valid_file_of_many_teams_is_checked_on_every_core() {
    let text = config(&[Mistake::None; 300], false, false);
    let many = checked(&text);
    assert!(many.starts_with("(Some("), "{many}");
    assert_eq!(many, crate::parallel::on_one_core(|| checked(&text)));
}

/// In a process where no thread can start (at a container's limit of
/// threads, say), every piece of work runs on the caller's thread and the
/// same files come out, instead of a panic.
#[test]
fn without_threads_the_same_files_are_generated() {
    let text = config(&[Mistake::None; 300], false, true);
    let files = |text: &str| {
        let (_, generated, diags) = super::generate_text("tenants.toml", text);
        match generated {
            Ok(g) => g
                .tree
                .iter()
                .map(|(p, b)| (p.clone(), b.clone()))
                .collect::<Vec<_>>(),
            Err(e) => panic!("{e}: {diags:?}"),
        }
    };
    let many = files(&text);
    assert!(many.len() > 300, "{}", many.len());
    assert_eq!(many, crate::parallel::without_threads(|| files(&text)));
}
