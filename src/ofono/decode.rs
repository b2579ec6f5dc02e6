//! Reading oFono's D-Bus values into plain `Value`s, whatever their shape.
//!
//! Bus data is untrusted: wrong types become `Value::Other` (or `None` at the
//! top level), nesting and sizes are bounded, and nothing here can panic.

use dbus::arg::{ArgType, Iter};

use crate::value::{Props, Value};

/// Bounds on what we keep of one value (oFono's largest is a few dozen items).
const MAX_DEPTH: u8 = 6;
const MAX_ITEMS: usize = 256;
const MAX_STRING: usize = 4096;

/// Decodes the value under the iterator (not advancing it).
pub fn value(it: &mut Iter, depth: u8) -> Value {
    if depth > MAX_DEPTH {
        return Value::Other;
    }
    match it.arg_type() {
        ArgType::Boolean => it.get::<bool>().map_or(Value::Other, Value::Bool),
        ArgType::String | ArgType::ObjectPath | ArgType::Signature => {
            string(it).map_or(Value::Other, Value::Str)
        }
        ArgType::Byte => it
            .get::<u8>()
            .map_or(Value::Other, |v| Value::Int(v.into())),
        ArgType::Int16 => it
            .get::<i16>()
            .map_or(Value::Other, |v| Value::Int(v.into())),
        ArgType::UInt16 => it
            .get::<u16>()
            .map_or(Value::Other, |v| Value::Int(v.into())),
        ArgType::Int32 => it
            .get::<i32>()
            .map_or(Value::Other, |v| Value::Int(v.into())),
        ArgType::UInt32 => it
            .get::<u32>()
            .map_or(Value::Other, |v| Value::Int(v.into())),
        ArgType::Int64 => it.get::<i64>().map_or(Value::Other, Value::Int),
        ArgType::UInt64 => it
            .get::<u64>()
            .and_then(|v| i64::try_from(v).ok())
            .map_or(Value::Other, Value::Int),
        ArgType::Variant => match it.recurse(ArgType::Variant) {
            Some(mut inner) => value(&mut inner, depth + 1),
            None => Value::Other,
        },
        ArgType::Array => array(it, depth),
        _ => Value::Other,
    }
}

/// A string, object path or signature under the iterator, bounded in size.
pub fn string(it: &mut Iter) -> Option<String> {
    let s = match it.arg_type() {
        ArgType::String => it.get::<&str>()?.to_string(),
        ArgType::ObjectPath => it.get::<dbus::Path>()?.to_string(),
        ArgType::Signature => it.get::<dbus::Signature>()?.to_string(),
        _ => return None,
    };
    if s.len() > MAX_STRING {
        let mut cut = MAX_STRING;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        return Some(s[..cut].to_string());
    }
    Some(s)
}

fn array(it: &mut Iter, depth: u8) -> Value {
    let Some(mut items) = it.recurse(ArgType::Array) else {
        return Value::Other;
    };
    match items.arg_type() {
        ArgType::DictEntry => Value::Dict(dict_entries(&mut items, depth + 1)),
        ArgType::Invalid => Value::Strs(Vec::new()),
        ArgType::String | ArgType::ObjectPath => {
            let mut list = Vec::new();
            loop {
                if let Some(s) = string(&mut items)
                    && list.len() < MAX_ITEMS
                {
                    list.push(s);
                }
                if !items.next() {
                    break;
                }
            }
            Value::Strs(list)
        }
        _ => Value::Other,
    }
}

/// Decodes an `a{s?}` dictionary under the iterator; `None` if it is not one.
pub fn props(it: &mut Iter) -> Option<Props> {
    match value(it, 0) {
        Value::Dict(d) => Some(d),
        // An empty array carries no element type we can see: an empty dict.
        Value::Strs(v) if v.is_empty() => Some(Props::new()),
        _ => None,
    }
}

fn dict_entries(items: &mut Iter, depth: u8) -> Props {
    let mut out = Props::new();
    loop {
        if let Some(mut entry) = items.recurse(ArgType::DictEntry)
            && let Some(key) = string(&mut entry)
            && out.len() < MAX_ITEMS
        {
            entry.next();
            out.insert(key, value(&mut entry, depth + 1));
        }
        if !items.next() {
            break;
        }
    }
    out
}

/// Decodes `a(oa{sv})` (GetModems, GetContexts).
pub fn objects(it: &mut Iter) -> Option<Vec<(String, Props)>> {
    let mut items = it.recurse(ArgType::Array)?;
    let mut out = Vec::new();
    while items.arg_type() == ArgType::Struct {
        let mut fields = items.recurse(ArgType::Struct)?;
        let path = string(&mut fields)?;
        fields.next();
        let props = props(&mut fields)?;
        if out.len() < MAX_ITEMS {
            out.push((path, props));
        }
        if !items.next() {
            break;
        }
    }
    Some(out)
}

/// Bound on a signature we spell out (libdbus allows 255).
const MAX_SIGNATURE: usize = 255;

/// The D-Bus signature of the arguments from the iterator on, spelled from
/// their type codes; `None` past the bounds. Only an empty array, which has
/// no element to look at, asks libdbus (`Iter::signature`); that is never a
/// dict entry, on which it panics.
pub fn signature(it: &mut Iter) -> Option<String> {
    let mut sig = String::new();
    while it.arg_type() != ArgType::Invalid {
        complete_type(it, 0, &mut sig)?;
        if sig.len() > MAX_SIGNATURE {
            return None;
        }
        if !it.next() {
            break;
        }
    }
    Some(sig)
}

/// Appends the signature of the one value under the iterator.
fn complete_type(it: &mut Iter, depth: u8, sig: &mut String) -> Option<()> {
    if depth > 2 * MAX_DEPTH || sig.len() > MAX_SIGNATURE {
        return None;
    }
    let kind = it.arg_type();
    let (open, close) = match kind {
        ArgType::Invalid => return None,
        ArgType::Array => {
            let mut items = it.recurse(ArgType::Array)?;
            if items.arg_type() == ArgType::Invalid {
                sig.push_str(&it.signature());
                return Some(());
            }
            sig.push('a');
            return complete_type(&mut items, depth + 1, sig);
        }
        ArgType::Struct => ('(', ')'),
        ArgType::DictEntry => ('{', '}'),
        code => {
            sig.push(code as u8 as char);
            return Some(());
        }
    };
    let mut fields = it.recurse(kind)?;
    sig.push(open);
    while fields.arg_type() != ArgType::Invalid {
        complete_type(&mut fields, depth + 1, sig)?;
        if !fields.next() {
            break;
        }
    }
    sig.push(close);
    Some(())
}
