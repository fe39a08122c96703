//! [`SmallSet`]: the sorted sets an [`Indicator`](crate::Indicator) keeps
//! its tags and sources in.
//!
//! ```
//! use iochunt::{Indicator, Ioc, Source};
//!
//! let mut ind = Indicator::new(Ioc::parse("evil.com")?);
//! ind.tags.insert("XWorm".into());
//! ind.tags.insert("RAT".into());
//! ind.sources.insert(Source::new("threatfox").with_record_id("7"));
//! assert_eq!(ind.tags.iter().map(|t| &**t).collect::<Vec<_>>(), ["RAT", "XWorm"]);
//! assert_eq!(serde_json::to_value(&ind)?["tags"], serde_json::json!(["RAT", "XWorm"]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! An indicator has one to three tags and usually one source. A
//! `BTreeSet` allocates a node of room for eleven for the first of them
//! (192 bytes for tags, 456 for sources), on every one of the millions of
//! indicators a full feed export makes. A [`SmallSet`] holds up to `N`
//! values inline and allocates nothing for them; past `N` it moves them
//! to the heap. It keeps its values sorted and without duplicates, so it
//! iterates, compares, prints and serializes as a `BTreeSet` of the same
//! values does.

use std::borrow::Borrow;
use std::collections::{BTreeSet, btree_set};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::sync::Arc;

use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};
use serde::ser::{Serialize, Serializer};
use smallvec::SmallVec;

use crate::Source;

/// An indicator's tags: up to two inline.
///
/// ```
/// use iochunt::Tags;
///
/// let tags: Tags = ["XWorm".into(), "RAT".into(), "XWorm".into()].into_iter().collect();
/// assert_eq!(tags.iter().map(|t| &**t).collect::<Vec<_>>(), ["RAT", "XWorm"]);
/// assert!(tags.contains("RAT"));
/// ```
pub type Tags = SmallSet<Arc<str>, 2>;

/// An indicator's sources: one inline.
///
/// ```
/// use iochunt::{Source, Sources};
///
/// let mut sources = Sources::new();
/// assert!(sources.insert(Source::new("threatfox").with_record_id("7")));
/// assert!(!sources.insert(Source::new("threatfox").with_record_id("7")));
/// assert_eq!(sources.len(), 1);
/// ```
pub type Sources = SmallSet<Source, 1>;

/// A set of values kept sorted and without duplicates, with room for `N`
/// of them inline. See the [module docs](self) for why.
///
/// Past a few dozen values it keeps them in a `BTreeSet`, so that adding
/// one stays cheap however many a hostile feed piles onto one indicator.
///
/// ```
/// use iochunt::SmallSet;
///
/// let mut set: SmallSet<u32, 2> = SmallSet::new();
/// assert!(set.insert(3));
/// assert!(set.insert(1));
/// assert!(!set.insert(3));
/// assert!(set.insert(2)); // a third value: moved to the heap
/// assert_eq!(set.iter().copied().collect::<Vec<_>>(), [1, 2, 3]);
/// assert_eq!(format!("{set:?}"), "{1, 2, 3}");
/// assert_eq!(serde_json::to_string(&set)?, "[1,2,3]");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone)]
pub struct SmallSet<T, const N: usize>(Repr<T, N>);

#[derive(Clone)]
enum Repr<T, const N: usize> {
    /// Sorted and unique, at most [`LARGE`] values.
    Small(SmallVec<[T; N]>),
    /// More: adding to a list costs a shift of it, to a tree a search.
    Large(BTreeSet<T>),
}

/// Values a set keeps as a list; one more moves them to a tree.
const LARGE: usize = 32;

impl<T, const N: usize> SmallSet<T, N> {
    /// An empty set.
    ///
    /// ```
    /// # use iochunt::SmallSet;
    /// assert!(SmallSet::<u8, 1>::new().is_empty());
    /// ```
    #[must_use]
    pub fn new() -> Self {
        SmallSet(Repr::Small(SmallVec::new()))
    }

    /// The number of values.
    ///
    /// ```
    /// # use iochunt::SmallSet;
    /// let set: SmallSet<u8, 1> = [2, 1, 2].into_iter().collect();
    /// assert_eq!(set.len(), 2);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Small(v) => v.len(),
            Repr::Large(b) => b.len(),
        }
    }

    /// Whether the set has no values.
    ///
    /// ```
    /// # use iochunt::SmallSet;
    /// assert!(!SmallSet::<u8, 1>::from_iter([0]).is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values in ascending order.
    ///
    /// ```
    /// # use iochunt::SmallSet;
    /// let set: SmallSet<char, 2> = "cab".chars().collect();
    /// assert_eq!(set.iter().collect::<String>(), "abc");
    /// ```
    pub fn iter(&self) -> Iter<'_, T> {
        Iter(match &self.0 {
            Repr::Small(v) => IterRepr::Small(v.iter()),
            Repr::Large(b) => IterRepr::Large(b.iter()),
        })
    }

    /// The smallest value.
    ///
    /// ```
    /// # use iochunt::SmallSet;
    /// let set: SmallSet<u8, 2> = [9, 4].into_iter().collect();
    /// assert_eq!(set.first(), Some(&4));
    /// ```
    #[must_use]
    pub fn first(&self) -> Option<&T> {
        self.iter().next()
    }

    /// The largest value.
    ///
    /// ```
    /// # use iochunt::SmallSet;
    /// let set: SmallSet<u8, 2> = [9, 4].into_iter().collect();
    /// assert_eq!(set.last(), Some(&9));
    /// ```
    #[must_use]
    pub fn last(&self) -> Option<&T> {
        self.iter().next_back()
    }
}

impl<T: Ord, const N: usize> SmallSet<T, N> {
    /// Adds `value`; `false` when an equal value was there already (which
    /// is kept), as `BTreeSet::insert`.
    ///
    /// ```
    /// # use iochunt::SmallSet;
    /// let mut set = SmallSet::<&str, 1>::new();
    /// assert!(set.insert("b"));
    /// assert!(set.insert("a"));
    /// assert!(!set.insert("b"));
    /// assert_eq!(set.iter().copied().collect::<Vec<_>>(), ["a", "b"]);
    /// ```
    pub fn insert(&mut self, value: T) -> bool {
        let list = match &mut self.0 {
            Repr::Large(b) => return b.insert(value),
            Repr::Small(list) => list,
        };
        let Err(at) = list.binary_search(&value) else {
            return false;
        };
        if list.len() < LARGE {
            list.insert(at, value);
        } else {
            let mut tree: BTreeSet<T> = list.drain(..).collect();
            tree.insert(value);
            self.0 = Repr::Large(tree);
        }
        true
    }

    /// Whether the set holds `value`, looked up by any borrowed form of
    /// the values (`&str` for `Arc<str>` tags).
    ///
    /// ```
    /// # use iochunt::Tags;
    /// let tags: Tags = ["RAT".into()].into_iter().collect();
    /// assert!(tags.contains("RAT"));
    /// assert!(!tags.contains("rat"));
    /// ```
    #[must_use]
    pub fn contains<Q: Ord + ?Sized>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        match &self.0 {
            Repr::Small(list) => list.binary_search_by(|v| v.borrow().cmp(value)).is_ok(),
            Repr::Large(tree) => tree.contains(value),
        }
    }

    /// Removes `value`; `false` when it was not there.
    ///
    /// ```
    /// # use iochunt::Tags;
    /// let mut tags: Tags = ["RAT".into(), "XWorm".into()].into_iter().collect();
    /// assert!(tags.remove("RAT"));
    /// assert!(!tags.remove("RAT"));
    /// assert_eq!(tags.len(), 1);
    /// ```
    pub fn remove<Q: Ord + ?Sized>(&mut self, value: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        match &mut self.0 {
            Repr::Small(list) => match list.binary_search_by(|v| v.borrow().cmp(value)) {
                Ok(at) => {
                    list.remove(at);
                    true
                }
                Err(_) => false,
            },
            Repr::Large(tree) => tree.remove(value),
        }
    }
}

impl<T, const N: usize> Default for SmallSet<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

// Comparisons go through the values, whichever way each set holds them.
impl<T: PartialEq, const N: usize> PartialEq for SmallSet<T, N> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<T: Eq, const N: usize> Eq for SmallSet<T, N> {}

impl<T: PartialOrd, const N: usize> PartialOrd for SmallSet<T, N> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        self.iter().partial_cmp(other.iter())
    }
}

impl<T: Ord, const N: usize> Ord for SmallSet<T, N> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.iter().cmp(other.iter())
    }
}

impl<T: Hash, const N: usize> Hash for SmallSet<T, N> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.len().hash(state);
        for value in self {
            value.hash(state);
        }
    }
}

impl<T: fmt::Debug, const N: usize> fmt::Debug for SmallSet<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<T: Ord, const N: usize> Extend<T> for SmallSet<T, N> {
    /// Inserts each value: of equal values the one already there stays, as
    /// in `BTreeSet::extend`.
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for value in iter {
            self.insert(value);
        }
    }
}

impl<T: Ord, const N: usize> FromIterator<T> for SmallSet<T, N> {
    /// Of equal values the last stays, as in `BTreeSet::from_iter`.
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut values: SmallVec<[T; N]> = iter.into_iter().collect();
        if values.len() > LARGE {
            return SmallSet(Repr::Large(values.into_iter().collect()));
        }
        // Stable, so equal values stay in input order; `dedup_by` hands the
        // later one first, and the earlier one, which stays, takes its value.
        values.sort();
        values.dedup_by(|later, kept| {
            let same = later == kept;
            if same {
                std::mem::swap(later, kept);
            }
            same
        });
        SmallSet(Repr::Small(values))
    }
}

/// The values of a [`SmallSet`] in ascending order, borrowed.
///
/// ```
/// # use iochunt::SmallSet;
/// let set: SmallSet<u8, 1> = [3, 1].into_iter().collect();
/// let mut iter = set.iter();
/// assert_eq!((iter.next(), iter.next_back(), iter.len()), (Some(&1), Some(&3), 0));
/// ```
#[derive(Debug, Clone)]
pub struct Iter<'a, T>(IterRepr<'a, T>);

#[derive(Debug, Clone)]
enum IterRepr<'a, T> {
    Small(std::slice::Iter<'a, T>),
    Large(btree_set::Iter<'a, T>),
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        match &mut self.0 {
            IterRepr::Small(i) => i.next(),
            IterRepr::Large(i) => i.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            IterRepr::Small(i) => i.size_hint(),
            IterRepr::Large(i) => i.size_hint(),
        }
    }
}

impl<T> DoubleEndedIterator for Iter<'_, T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterRepr::Small(i) => i.next_back(),
            IterRepr::Large(i) => i.next_back(),
        }
    }
}

impl<T> ExactSizeIterator for Iter<'_, T> {}

/// The values of a [`SmallSet`] in ascending order, owned.
///
/// ```
/// # use iochunt::SmallSet;
/// let set: SmallSet<String, 1> = ["b".to_owned(), "a".to_owned()].into_iter().collect();
/// assert_eq!(set.into_iter().collect::<Vec<_>>(), ["a", "b"]);
/// ```
pub struct IntoIter<T, const N: usize>(IntoIterRepr<T, N>);

enum IntoIterRepr<T, const N: usize> {
    Small(smallvec::IntoIter<[T; N]>),
    Large(btree_set::IntoIter<T>),
}

impl<T: fmt::Debug, const N: usize> fmt::Debug for IntoIter<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            IntoIterRepr::Small(i) => f.debug_list().entries(i.as_slice()).finish(),
            IntoIterRepr::Large(i) => i.fmt(f),
        }
    }
}

impl<T, const N: usize> Iterator for IntoIter<T, N> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match &mut self.0 {
            IntoIterRepr::Small(i) => i.next(),
            IntoIterRepr::Large(i) => i.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            IntoIterRepr::Small(i) => i.size_hint(),
            IntoIterRepr::Large(i) => i.size_hint(),
        }
    }
}

impl<T, const N: usize> DoubleEndedIterator for IntoIter<T, N> {
    fn next_back(&mut self) -> Option<T> {
        match &mut self.0 {
            IntoIterRepr::Small(i) => i.next_back(),
            IntoIterRepr::Large(i) => i.next_back(),
        }
    }
}

impl<T, const N: usize> ExactSizeIterator for IntoIter<T, N> {}

impl<T, const N: usize> IntoIterator for SmallSet<T, N> {
    type Item = T;
    type IntoIter = IntoIter<T, N>;

    fn into_iter(self) -> Self::IntoIter {
        IntoIter(match self.0 {
            Repr::Small(v) => IntoIterRepr::Small(v.into_iter()),
            Repr::Large(b) => IntoIterRepr::Large(b.into_iter()),
        })
    }
}

impl<'a, T, const N: usize> IntoIterator for &'a SmallSet<T, N> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: Serialize, const N: usize> Serialize for SmallSet<T, N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// Inserts each value, as serde does for a `BTreeSet`.
impl<'de, T: Deserialize<'de> + Ord, const N: usize> Deserialize<'de> for SmallSet<T, N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Values<T, const N: usize>(PhantomData<T>);

        impl<'de, T: Deserialize<'de> + Ord, const N: usize> Visitor<'de> for Values<T, N> {
            type Value = SmallSet<T, N>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut set = SmallSet::new();
                while let Some(value) = seq.next_element()? {
                    set.insert(value);
                }
                Ok(set)
            }
        }

        deserializer.deserialize_seq(Values(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::hash::BuildHasher;

    use proptest::prelude::*;

    use super::*;

    /// Operations on a set, applied to a `SmallSet` and a `BTreeSet` alike.
    #[derive(Debug, Clone)]
    enum Op {
        Insert(u8),
        Remove(u8),
        Extend(Vec<u8>),
    }

    /// Values from a range wide enough to cross [`LARGE`] and back.
    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (0u8..80).prop_map(Op::Insert),
            2 => (0u8..80).prop_map(Op::Remove),
            1 => prop::collection::vec(0u8..80, 0..40).prop_map(Op::Extend),
        ]
    }

    fn json<T: Serialize>(v: &T) -> Result<String, TestCaseError> {
        serde_json::to_string(v).map_err(|e| TestCaseError::fail(e.to_string()))
    }

    proptest! {
        #[test]
        fn behaves_as_a_btree_set(
            start in prop::collection::vec(0u8..80, 0..50),
            ops in prop::collection::vec(op(), 0..60),
        ) {
            let mut small: SmallSet<u8, 2> = start.iter().copied().collect();
            let mut model: BTreeSet<u8> = start.iter().copied().collect();
            let hasher = std::hash::RandomState::new();
            for op in ops {
                match op {
                    Op::Insert(v) => prop_assert_eq!(small.insert(v), model.insert(v)),
                    Op::Remove(v) => prop_assert_eq!(small.remove(&v), model.remove(&v)),
                    Op::Extend(vs) => {
                        small.extend(vs.iter().copied());
                        model.extend(vs);
                    }
                }
                let values: Vec<u8> = model.iter().copied().collect();
                prop_assert_eq!(small.iter().copied().collect::<Vec<_>>(), values.clone());
                prop_assert_eq!(small.iter().rev().count(), values.len());
                prop_assert_eq!(small.clone().into_iter().collect::<Vec<_>>(), values.clone());
                prop_assert_eq!((small.len(), small.first(), small.last()), (model.len(), model.first(), model.last()));
                for v in 0u8..80 {
                    prop_assert_eq!(small.contains(&v), model.contains(&v));
                }
                prop_assert_eq!(format!("{small:?}"), format!("{model:?}"));
                prop_assert_eq!(json(&small)?, json(&model)?);
                let back: SmallSet<u8, 2> = serde_json::from_str(&json(&small)?)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(&back, &small);
                // The same values held either way are one value.
                let fresh: SmallSet<u8, 2> = values.iter().copied().collect();
                prop_assert_eq!(&fresh, &small);
                prop_assert_eq!(hasher.hash_one(&fresh), hasher.hash_one(&small));
                prop_assert_eq!(fresh.cmp(&small), std::cmp::Ordering::Equal);
            }
        }

        #[test]
        fn orders_as_a_btree_set(
            a in prop::collection::vec(0u8..40, 0..40),
            b in prop::collection::vec(0u8..40, 0..40),
        ) {
            let (sa, sb): (SmallSet<u8, 1>, SmallSet<u8, 1>) =
                (a.iter().copied().collect(), b.iter().copied().collect());
            let (ma, mb): (BTreeSet<u8>, BTreeSet<u8>) =
                (a.into_iter().collect(), b.into_iter().collect());
            prop_assert_eq!(sa.cmp(&sb), ma.cmp(&mb));
            prop_assert_eq!(sa == sb, ma == mb);
        }
    }

    /// Compared by its key alone, to see which of two equal values stays.
    #[derive(Debug, Clone, Copy)]
    struct Keyed(u8, &'static str);

    impl PartialEq for Keyed {
        fn eq(&self, other: &Self) -> bool {
            self.0 == other.0
        }
    }
    impl Eq for Keyed {}
    impl PartialOrd for Keyed {
        fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for Keyed {
        fn cmp(&self, other: &Self) -> std::cmp::Ordering {
            self.0.cmp(&other.0)
        }
    }

    #[test]
    fn keeps_the_equal_value_a_btree_set_keeps() {
        let values = [Keyed(1, "first"), Keyed(0, "x"), Keyed(1, "second")];
        let names = |it: Vec<&Keyed>| it.into_iter().map(|k| k.1).collect::<Vec<_>>();
        // `collect` keeps the last, `insert` and `extend` the first.
        let small: SmallSet<Keyed, 2> = values.into_iter().collect();
        let model: BTreeSet<Keyed> = values.into_iter().collect();
        assert_eq!(names(small.iter().collect()), ["x", "second"]);
        assert_eq!(names(small.iter().collect()), names(model.iter().collect()));
        let mut small: SmallSet<Keyed, 2> = SmallSet::new();
        let mut model = BTreeSet::new();
        small.extend(values);
        model.extend(values);
        assert_eq!(names(small.iter().collect()), ["x", "first"]);
        assert_eq!(names(small.iter().collect()), names(model.iter().collect()));
        // Past the list's size, the tree does the keeping.
        let many: Vec<Keyed> = (0..40)
            .map(|i| Keyed(i, "a"))
            .chain([Keyed(3, "b")])
            .collect();
        let small: SmallSet<Keyed, 2> = many.iter().copied().collect();
        let model: BTreeSet<Keyed> = many.into_iter().collect();
        assert_eq!(names(small.iter().collect()), names(model.iter().collect()));
    }

    #[test]
    fn deserializing_sorts_and_drops_repeats() -> Result<(), serde_json::Error> {
        let tags: Tags = serde_json::from_str(r#"["b","a","b"]"#)?;
        assert_eq!(tags.iter().map(|t| &**t).collect::<Vec<_>>(), ["a", "b"]);
        assert!(serde_json::from_str::<Tags>(r#""a""#).is_err());
        Ok(())
    }
}
