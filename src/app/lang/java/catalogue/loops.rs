//! Loop callbacks, stream markers, iteration-source wrappers, synchronous and async calls.

/// Callbacks that are always loops: `xs.forEach(x -> ..)`, `map.forEach((k, v) -> ..)`.
pub(in crate::app::lang::java) const ALWAYS_LOOP_CALLBACKS: &[&str] =
    &["forEach", "forEachOrdered", "forEachRemaining"];
/// Callbacks that are loops on a stream (`xs.stream().map(..)`), not on an Optional.
pub(in crate::app::lang::java) const STREAM_LOOP_CALLBACKS: &[&str] = &[
    "map",
    "flatMap",
    "peek",
    "mapToObj",
    "mapToInt",
    "mapToLong",
    "mapToDouble",
    "flatMapToInt",
    "flatMapToLong",
    "flatMapToObj",
    "concatMap",
    "mapMulti",
];
/// A receiver chain holding one of these calls is a stream.
pub(in crate::app::lang::java) const STREAM_MARKERS: &[&str] = &[
    "stream",
    "parallelStream",
    "range",
    "rangeClosed",
    "chars",
    "lines",
    "fromIterable",
    "fromArray",
    "fromStream",
];
/// A receiver rooted at / declared with one of these types is a stream.
pub(in crate::app::lang::java) const STREAM_TYPES: &[&str] = &[
    "Stream",
    "IntStream",
    "LongStream",
    "DoubleStream",
    "Flux",
    "StreamSupport",
];
/// Wrappers unwrapped to find a loop's iteration source (`users.stream().filter(..)` → `users`).
/// Those in `SOURCE_WRAPPERS_NO_ARGS` only when called without arguments.
pub(in crate::app::lang::java) const SOURCE_WRAPPERS: &[&str] = &[
    "stream",
    "parallelStream",
    "filter",
    "sorted",
    "distinct",
    "limit",
    "skip",
    "boxed",
    "parallel",
    "sequential",
    "unordered",
    "map",
    "mapToObj",
    "mapToInt",
    "mapToLong",
    "mapToDouble",
    "flatMap",
    "peek",
    "toList",
];
pub(in crate::app::lang::java) const SOURCE_WRAPPERS_NO_ARGS: &[&str] =
    &["entrySet", "keySet", "values", "iterator", "spliterator"];
/// Static wrappers whose first argument is the source: `Arrays.stream(a)`, `List.copyOf(xs)`.
pub(in crate::app::lang::java) const STATIC_SOURCE_WRAPPERS: &[(&str, &str)] = &[
    ("Arrays", "stream"),
    ("Arrays", "asList"),
    ("StreamSupport", "stream"),
    ("List", "copyOf"),
    ("Set", "copyOf"),
    ("Collections", "unmodifiableList"),
    ("Collections", "unmodifiableCollection"),
    ("Collections", "unmodifiableSet"),
    ("Flux", "fromIterable"),
];
/// `new ArrayList<>(xs)`: copies whose single argument is the source.
pub(in crate::app::lang::java) const COPY_CONSTRUCTORS: &[&str] = &[
    "ArrayList",
    "LinkedList",
    "HashSet",
    "LinkedHashSet",
    "TreeSet",
    "ArrayDeque",
];

/// Synchronous, run-once callbacks: their lambda body stays in the enclosing loops
/// (`repo.findById(id).ifPresent(u -> ..)` inside a `for` still runs per iteration).
pub(in crate::app::lang::java) const SYNC_CALLBACKS: &[&str] = &[
    "ifPresent",
    "ifPresentOrElse",
    "orElseGet",
    "orElseThrow",
    "computeIfAbsent",
    "computeIfPresent",
    "compute",
    "executeWithoutResult",
];
/// `transactionTemplate.execute(status -> ..)` runs its callback synchronously too.
pub(in crate::app::lang::java) const SYNC_EXECUTE_RECEIVER_HINTS: &[&str] =
    &["transactiontemplate", "txtemplate"];

/// Return types making a method asynchronous.
pub(in crate::app::lang::java) const ASYNC_RETURN_TYPES: &[&str] = &[
    "CompletableFuture",
    "CompletionStage",
    "ListenableFuture",
    "Mono",
    "Flux",
];
