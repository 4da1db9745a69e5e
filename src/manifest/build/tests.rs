//! Unit tests of the Kustomize shape folding.

use super::*;
use serde_json::json;

#[test]
fn common_keeps_shared_parts() {
    let a = json!({"k": "v", "m": {"x": 1, "y": 2}, "only": 1});
    let b = json!({"k": "v", "m": {"x": 1, "y": 3}});
    assert_eq!(common(&[&a, &b]), Some(json!({"k": "v", "m": {"x": 1}})));
}

#[test]
fn folding_common_one_value_at_a_time_equals_common_of_all() {
    let values = [
        json!({"k": "v", "m": {"x": 1, "y": 2, "z": {"a": 1}}, "s": [1]}),
        json!({"k": "v", "m": {"x": 1, "y": 3, "z": {"a": 1}}, "s": [1]}),
        json!({"k": "v", "m": {"x": 1, "z": {"a": 2}}, "s": [1], "extra": 0}),
        json!({"k": "w", "m": {"x": 1, "z": {"a": 2}}, "s": [1]}),
    ];
    for n in 1..=values.len() {
        let all: Vec<&Value> = values[..n].iter().collect();
        let folded = values[..n].iter().fold(None, fold_common).flatten();
        assert_eq!(folded, common(&all), "first {n}");
    }
    let scalars = [json!(1), json!(2), json!(3)];
    let folded = scalars.iter().fold(None, fold_common).flatten();
    assert_eq!(folded, common(&scalars.iter().collect::<Vec<_>>()));
}

#[test]
fn merging_the_common_parts_of_runs_equals_common_of_all() {
    let values = [
        json!({"k": "v", "m": {"x": 1, "y": 2, "z": {"a": 1}}, "s": [1]}),
        json!({"k": "v", "m": {"x": 1, "y": 2, "z": {"a": 1}}, "s": [1]}),
        json!({"k": "v", "m": {"x": 1, "y": 3, "z": {"a": 1}}, "s": [1]}),
        json!({"k": "v", "m": {"x": 1, "z": {"a": 2}}, "s": [1], "extra": 0}),
        json!({"k": "w", "m": {"x": 1, "z": {"a": 2}}, "s": [1]}),
        json!(3),
    ];
    for n in 0..=values.len() {
        let all: Vec<&Value> = values[..n].iter().collect();
        for cut in 0..=n {
            for second in cut..=n {
                let runs = [&values[..cut], &values[cut..second], &values[second..n]];
                let merged = runs
                    .iter()
                    .map(|run| run.iter().fold(None, fold_common))
                    .fold(None, merge_common)
                    .flatten();
                assert_eq!(merged, common(&all), "first {n}, cut at {cut} and {second}");
            }
        }
    }
}

#[test]
fn diff_adds_changes_and_deletes() {
    let base = json!({"k": "v", "m": {"x": 1}, "gone": true});
    let target = json!({"k": "v", "m": {"x": 2, "y": 1}});
    assert_eq!(
        diff(&target, &base),
        Some(json!({"m": {"x": 2, "y": 1}, "gone": null}))
    );
    assert_eq!(diff(&base, &base), None);
}

/// Small JSON trees over few keys and values, so that random pairs share
/// parts, differ in parts and nest empty objects.
fn json_tree() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(Value::Null),
        (0..3i64).prop_map(Value::from),
        prop::sample::select(vec!["a", "b"]).prop_map(Value::from),
        Just(json!({})),
    ];
    leaf.prop_recursive(3, 24, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..2).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec!["k", "m", "n"]).prop_map(str::to_owned),
                inner,
                0..3
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest::proptest! {
    /// Narrowing in place is the common part, for any two values, and
    /// folding and merging with it equal the common part of all.
    #[test]
    fn narrowing_in_place_is_the_common_part(
        values in proptest::collection::vec(json_tree(), 1..6),
        cut in 0usize..6,
    ) {
        let mut a = values[0].clone();
        if let Some(b) = values.get(1) {
            let shared = narrow(&mut a, b);
            proptest::prop_assert_eq!(shared.then_some(a), common(&[&values[0], b]));
        }
        let all: Vec<&Value> = values.iter().collect();
        let cut = cut.min(values.len());
        let merged = [&values[..cut], &values[cut..]]
            .iter()
            .map(|run| run.iter().fold(None, fold_common))
            .fold(None, merge_common)
            .flatten();
        proptest::prop_assert_eq!(merged, common(&all));
    }
}
