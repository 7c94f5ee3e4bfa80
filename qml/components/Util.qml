pragma Singleton
import QtQml
import QtQuick

// Small helpers for bindings.
QtObject {
    // A new JS array: `first`, then the items of `list` (a string list from C++).
    function prepend(first: var, list: var): var {
        const out = [first]
        for (let i = 0; i < list.length; ++i)
            out.push(list[i])
        return out
    }

    // Scrolls the nearest scrollable view around `item` (a ScrollView's Flickable, a ListView) so that
    // `item` is in view, with `margin` to spare: keyboard focus must never sit on a control out of sight.
    function scrollIntoView(item: Item, margin: real) {
        if (!item)
            return
        for (let p = item.parent; p; p = p.parent) {
            const view = p as Flickable
            if (!view || view.contentHeight <= view.height)
                continue
            const r = item.mapToItem(view.contentItem, 0, 0, item.width, item.height)
            const top = view.originY
            const bottom = view.originY + view.contentHeight - view.height
            if (r.y - margin < view.contentY)
                view.contentY = Math.max(top, r.y - margin)
            else if (r.y + r.height + margin > view.contentY + view.height)
                view.contentY = Math.min(bottom, r.y + r.height + margin - view.height)
            return
        }
    }
}
