pragma Singleton
import QtQml

// Small helpers for bindings.
QtObject {
    // A new JS array: `first`, then the items of `list` (a string list from C++).
    function prepend(first: var, list: var): var {
        const out = [first]
        for (let i = 0; i < list.length; ++i)
            out.push(list[i])
        return out
    }
}
