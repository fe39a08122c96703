//! [`SmallSet`]: the sorted sets an [`Indicator`](crate::Indicator) keeps
//! its tags and sources in.
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
use std::fmt;
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
/// ```
/// use iochunt::SmallSet;
///
/// let mut set: SmallSet<u32, 2> = SmallSet::new();
/// assert!(set.insert(3));
/// assert!(set.insert(1));
/// assert!(!set.insert(3));
/// assert!(set.insert(2)); // a third value: moved to the heap
/// assert_eq!(set.as_slice(), [1, 2, 3]);
/// assert_eq!(format!("{set:?}"), "{1, 2, 3}");
/// assert_eq!(serde_json::to_string(&set)?, "[1,2,3]");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SmallSet<T, const N: usize>(SmallVec<[T; N]>);

impl<T, const N: usize> SmallSet<T, N> {
    /// An empty set.
    ///
    /// ```
    /// # use iochunt::SmallSet;
    /// assert!(SmallSet::<u8, 1>::new().is_empty());
    /// ```
    #[must_use]
    pub fn new() -> Self {
        SmallSet(SmallVec::new())
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
        self.0.len()
    }

    /// Whether the set has no values.
    ///
    /// ```
    /// # use iochunt::SmallSet;
    /// assert!(!SmallSet::<u8, 1>::from_iter([0]).is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The values in ascending order.
    ///
    /// ```
    /// # use iochunt::SmallSet;
    /// let set: SmallSet<char, 2> = "cab".chars().collect();
    /// assert_eq!(set.iter().collect::<String>(), "abc");
    /// ```
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }

    /// The values in ascending order, as a slice.
    ///
    /// ```
    /// # use iochunt::SmallSet;
    /// let set: SmallSet<u8, 2> = [9, 4].into_iter().collect();
    /// assert_eq!(set.as_slice(), [4, 9]);
    /// ```
    #[must_use]
    pub fn as_slice(&self) -> &[T] {
        &self.0
    }
}

impl<T: Ord, const N: usize> SmallSet<T, N> {
    /// Adds `value`; `false` when an equal value was there already (which
    /// is kept).
    ///
    /// ```
    /// # use iochunt::SmallSet;
    /// let mut set = SmallSet::<&str, 1>::new();
    /// assert!(set.insert("b"));
    /// assert!(set.insert("a"));
    /// assert!(!set.insert("b"));
    /// assert_eq!(set.as_slice(), ["a", "b"]);
    /// ```
    pub fn insert(&mut self, value: T) -> bool {
        match self.0.binary_search(&value) {
            Ok(_) => false,
            Err(at) => {
                self.0.insert(at, value);
                true
            }
        }
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
        self.0.binary_search_by(|v| v.borrow().cmp(value)).is_ok()
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
        match self.0.binary_search_by(|v| v.borrow().cmp(value)) {
            Ok(at) => {
                self.0.remove(at);
                true
            }
            Err(_) => false,
        }
    }
}

impl<T, const N: usize> Default for SmallSet<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: fmt::Debug, const N: usize> fmt::Debug for SmallSet<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<T: Ord, const N: usize> Extend<T> for SmallSet<T, N> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for value in iter {
            self.insert(value);
        }
    }
}

impl<T: Ord, const N: usize> FromIterator<T> for SmallSet<T, N> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut values: SmallVec<[T; N]> = iter.into_iter().collect();
        // Stable, so that of equal values the first stays, as in `insert`.
        values.sort();
        values.dedup();
        SmallSet(values)
    }
}

impl<T, const N: usize> IntoIterator for SmallSet<T, N> {
    type Item = T;
    type IntoIter = smallvec::IntoIter<[T; N]>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, T, const N: usize> IntoIterator for &'a SmallSet<T, N> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: Serialize, const N: usize> Serialize for SmallSet<T, N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

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

    use proptest::prelude::*;

    use super::*;

    /// Operations on a set, applied to a `SmallSet` and a `BTreeSet` alike.
    #[derive(Debug, Clone)]
    enum Op {
        Insert(u8),
        Remove(u8),
        Extend(Vec<u8>),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0u8..16).prop_map(Op::Insert),
            (0u8..16).prop_map(Op::Remove),
            prop::collection::vec(0u8..16, 0..6).prop_map(Op::Extend),
        ]
    }

    proptest! {
        #[test]
        fn behaves_as_a_btree_set(
            start in prop::collection::vec(0u8..16, 0..8),
            ops in prop::collection::vec(op(), 0..24),
        ) {
            let mut small: SmallSet<u8, 2> = start.iter().copied().collect();
            let mut model: BTreeSet<u8> = start.iter().copied().collect();
            for op in ops {
                match op {
                    Op::Insert(v) => prop_assert_eq!(small.insert(v), model.insert(v)),
                    Op::Remove(v) => prop_assert_eq!(small.remove(&v), model.remove(&v)),
                    Op::Extend(vs) => {
                        small.extend(vs.iter().copied());
                        model.extend(vs);
                    }
                }
                prop_assert_eq!(small.as_slice(), model.iter().copied().collect::<Vec<_>>());
                prop_assert_eq!(small.len(), model.len());
                for v in 0u8..16 {
                    prop_assert_eq!(small.contains(&v), model.contains(&v));
                }
                prop_assert_eq!(format!("{small:?}"), format!("{model:?}"));
                let json = serde_json::to_string(&small).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(&json, &serde_json::to_string(&model).unwrap_or_default());
                let back: SmallSet<u8, 2> = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(&back, &small);
            }
        }
    }

    #[test]
    fn deserializing_sorts_and_drops_repeats() -> Result<(), serde_json::Error> {
        let tags: Tags = serde_json::from_str(r#"["b","a","b"]"#)?;
        assert_eq!(tags.iter().map(|t| &**t).collect::<Vec<_>>(), ["a", "b"]);
        assert!(serde_json::from_str::<Tags>(r#""a""#).is_err());
        Ok(())
    }
}
