//! Property values as oFono sends them, reduced to the shapes we use.
//!
//! Decoding from D-Bus lives in `ofono::decode`; this type is plain data so the
//! state machine and its tests never touch libdbus.

use std::collections::BTreeMap;

/// A property dictionary (`a{sv}` on the bus).
pub type Props = BTreeMap<String, Value>;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Bool(bool),
    /// Strings and object paths.
    Str(String),
    /// Any integer type (`y`, `n`, `q`, `i`, `u`, ...).
    Int(i64),
    /// An array of strings or object paths.
    Strs(Vec<String>),
    /// A nested dictionary (`a{sv}` or `a{sy}`, e.g. `Settings`, `Retries`).
    Dict(Props),
    /// Anything else: kept so that a property is known to exist, never used.
    Other,
}

impl Value {
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_strs(&self) -> Option<&[String]> {
        match self {
            Value::Strs(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_dict(&self) -> Option<&Props> {
        match self {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Strs(v) => write!(f, "{v:?}"),
            Value::Dict(d) => write!(f, "{{{} keys}}", d.len()),
            Value::Other => f.write_str("?"),
        }
    }
}

/// Builds a dictionary (tests).
#[cfg(test)]
pub fn props<const N: usize>(pairs: [(&str, Value); N]) -> Props {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}
