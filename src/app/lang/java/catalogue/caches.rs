//! Caches, as data: the field types that hold one, the methods that look a key up in one
//! and the ones that fill it, and the annotations that make a framework cache a method's
//! result. A method that looks a key up in a cache before it queries runs its query once
//! per key (`ir::CacheRead`).

/// Types that are caches by what they are (Guava, Caffeine, JCache, Ehcache, Spring, and
/// a project's own `…Cache`, which `is_cache_type` takes by its name): a lookup in one is
/// a cache read, filled or not by the same class.
pub(in crate::app::lang::java) const CACHE_TYPES: &[&str] = &[
    "Cache",
    "LoadingCache",
    "AsyncCache",
    "AsyncLoadingCache",
    "Ehcache",
];

/// Maps a class can keep as a cache: a lookup in one is a cache read only when the same
/// class also fills that field (cache-aside); a map only read is a table (`handlers.get(kind)`).
pub(in crate::app::lang::java) const MAP_TYPES: &[&str] = &[
    "Map",
    "HashMap",
    "LinkedHashMap",
    "TreeMap",
    "ConcurrentMap",
    "ConcurrentHashMap",
    "Hashtable",
    "WeakHashMap",
    "EnumMap",
];

/// Methods that look a key up.
pub(in crate::app::lang::java) const CACHE_LOOKUPS: &[&str] = &[
    "get",
    "getIfPresent",
    "getOrDefault",
    "containsKey",
    "computeIfAbsent",
];

/// Methods that fill a cache (`computeIfAbsent` both looks up and fills).
pub(in crate::app::lang::java) const CACHE_FILLS: &[&str] = &[
    "put",
    "putIfAbsent",
    "putAll",
    "computeIfAbsent",
    "compute",
    "merge",
    "add",
];

/// Annotations that make the framework serve a method's result from a cache (Spring,
/// JCache).
pub(in crate::app::lang::java) const CACHING_ANNOTATIONS: &[&str] = &["Cacheable", "CacheResult"];

/// Whether a declared type is a cache by what it is (`CACHE_TYPES`, or a name ending in
/// `Cache`: `RoomCache`, `UserCache`).
pub(in crate::app::lang::java) fn is_cache_type(ty: &str) -> bool {
    CACHE_TYPES.contains(&ty) || (ty.len() > "Cache".len() && ty.ends_with("Cache"))
}
