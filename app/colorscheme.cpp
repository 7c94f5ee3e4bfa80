#include "colorscheme.h"

#include <QFont>
#include <QGuiApplication>
#include <QHash>
#include <QImage>
#include <QQuickItem>
#include <QQuickWindow>

#include <cmath>

namespace airlock {

using namespace Qt::StringLiterals;

namespace {

constexpr double kBodyContrast = 4.5;
constexpr double kLargeContrast = 3.0;

double channel(double c)
{
    return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}

void setColors(QPalette &p, QPalette::ColorGroup group, std::initializer_list<std::pair<QPalette::ColorRole, QColor>> colors)
{
    for (const auto &[role, color] : colors)
        p.setColor(group, role, color);
}

// Moves `color` (made opaque: as drawn over `against`) towards black or white, whichever is further from
// `against`, until the pair reaches `ratio`.
QColor separate(QColor color, const QColor &against, double ratio)
{
    color = blend(color, against, color.alphaF());
    const bool darken = relativeLuminance(against) > 0.5;
    for (int step = 0; step < 40 && contrastRatio(color, against) < ratio; ++step)
        color = darken ? color.darker(110) : blend(Qt::white, color, 0.1);
    return color;
}

double effectiveOpacity(const QQuickItem *item)
{
    double opacity = 1;
    for (; item; item = item->parentItem())
        opacity *= item->opacity();
    return opacity;
}

bool clippedAway(const QQuickItem *item, const QRectF &rect)
{
    for (const QQuickItem *p = item->parentItem(); p; p = p->parentItem()) {
        if (p->clip() && !p->mapRectToScene(p->boundingRect()).intersects(rect))
            return true;
    }
    return false;
}

QColor dominantColor(const QImage &image, const QRect &rect)
{
    QHash<QRgb, int> counts;
    const QRect area = rect.intersected(image.rect());
    for (int y = area.top(); y <= area.bottom(); ++y) {
        const QRgb *line = reinterpret_cast<const QRgb *>(image.constScanLine(y));
        for (int x = area.left(); x <= area.right(); ++x)
            ++counts[line[x] | 0xff000000u];
    }
    QRgb best = 0;
    int bestCount = -1;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
        if (it.value() > bestCount) {
            best = it.key();
            bestCount = it.value();
        }
    }
    return QColor::fromRgb(best);
}

} // namespace

Result<ColorScheme> colorSchemeFromName(const QString &name)
{
    if (name == "system"_L1)
        return ColorScheme::System;
    if (name == "light"_L1)
        return ColorScheme::Light;
    if (name == "dark"_L1)
        return ColorScheme::Dark;
    return Error::make(u"invalid_argument"_s, u"--color-scheme must be system, light or dark"_s, u"--color-scheme"_s);
}

QPalette lightPalette()
{
    QPalette p;
    setColors(p, QPalette::All,
              {{QPalette::Window, QColor(0xef, 0xf0, 0xf1)}, {QPalette::WindowText, QColor(0x23, 0x26, 0x27)},
               {QPalette::Base, QColor(0xfc, 0xfc, 0xfc)}, {QPalette::AlternateBase, QColor(0xe6, 0xe8, 0xea)},
               {QPalette::Text, QColor(0x23, 0x26, 0x27)}, {QPalette::PlaceholderText, QColor(0x5f, 0x64, 0x69)},
               {QPalette::Button, QColor(0xf5, 0xf6, 0xf7)}, {QPalette::ButtonText, QColor(0x23, 0x26, 0x27)},
               {QPalette::BrightText, Qt::white}, {QPalette::Light, Qt::white},
               {QPalette::Midlight, QColor(0xe0, 0xe2, 0xe4)}, {QPalette::Mid, QColor(0xb0, 0xb4, 0xb8)},
               {QPalette::Dark, QColor(0x88, 0x8e, 0x93)}, {QPalette::Shadow, QColor(0x47, 0x4a, 0x4c)},
               {QPalette::Highlight, QColor(0x23, 0x62, 0xc4)}, {QPalette::HighlightedText, Qt::white},
               {QPalette::ToolTipBase, QColor(0xf7, 0xf7, 0xf7)}, {QPalette::ToolTipText, QColor(0x23, 0x26, 0x27)},
               {QPalette::Link, QColor(0x1b, 0x5e, 0xb8)}, {QPalette::LinkVisited, QColor(0x7a, 0x3d, 0x9a)}});
    setColors(p, QPalette::Disabled,
              {{QPalette::WindowText, QColor(0x8c, 0x91, 0x96)}, {QPalette::Text, QColor(0x8c, 0x91, 0x96)},
               {QPalette::ButtonText, QColor(0x8c, 0x91, 0x96)}, {QPalette::Highlight, QColor(0xb0, 0xb4, 0xb8)}});
    return p;
}

QPalette darkPalette()
{
    QPalette p;
    setColors(p, QPalette::All,
              {{QPalette::Window, QColor(0x20, 0x23, 0x26)}, {QPalette::WindowText, QColor(0xfc, 0xfc, 0xfc)},
               {QPalette::Base, QColor(0x17, 0x19, 0x1b)}, {QPalette::AlternateBase, QColor(0x29, 0x2c, 0x30)},
               {QPalette::Text, QColor(0xfc, 0xfc, 0xfc)}, {QPalette::PlaceholderText, QColor(0xa1, 0xa9, 0xb1)},
               {QPalette::Button, QColor(0x31, 0x36, 0x3b)}, {QPalette::ButtonText, QColor(0xfc, 0xfc, 0xfc)},
               {QPalette::BrightText, Qt::white}, {QPalette::Light, QColor(0x40, 0x46, 0x4c)},
               {QPalette::Midlight, QColor(0x36, 0x3b, 0x40)}, {QPalette::Mid, QColor(0x2a, 0x2e, 0x32)},
               {QPalette::Dark, QColor(0x14, 0x16, 0x18)}, {QPalette::Shadow, QColor(0x0a, 0x0b, 0x0c)},
               {QPalette::Highlight, QColor(0x2a, 0x6f, 0xb0)}, {QPalette::HighlightedText, QColor(0xfc, 0xfc, 0xfc)},
               {QPalette::ToolTipBase, QColor(0x31, 0x36, 0x3b)}, {QPalette::ToolTipText, QColor(0xfc, 0xfc, 0xfc)},
               {QPalette::Link, QColor(0x6e, 0xb2, 0xf5)}, {QPalette::LinkVisited, QColor(0xc3, 0x9b, 0xd8)}});
    setColors(p, QPalette::Disabled,
              {{QPalette::WindowText, QColor(0x7f, 0x84, 0x89)}, {QPalette::Text, QColor(0x7f, 0x84, 0x89)},
               {QPalette::ButtonText, QColor(0x7f, 0x84, 0x89)}, {QPalette::Highlight, QColor(0x40, 0x46, 0x4c)}});
    return p;
}

QPalette readablePalette(QPalette palette)
{
    for (const QPalette::ColorGroup group : {QPalette::Active, QPalette::Inactive}) {
        palette.setColor(group, QPalette::Highlight,
                         separate(palette.color(group, QPalette::Highlight),
                                  palette.color(group, QPalette::HighlightedText), kBodyContrast));
        palette.setColor(group, QPalette::PlaceholderText,
                         separate(palette.color(group, QPalette::PlaceholderText),
                                  palette.color(group, QPalette::Base), kBodyContrast));
    }
    return palette;
}

void applyColorScheme(ColorScheme scheme)
{
    switch (scheme) {
    case ColorScheme::System: QGuiApplication::setPalette(readablePalette(QGuiApplication::palette())); break;
    case ColorScheme::Light: QGuiApplication::setPalette(readablePalette(lightPalette())); break;
    case ColorScheme::Dark: QGuiApplication::setPalette(readablePalette(darkPalette())); break;
    }
}

double relativeLuminance(const QColor &color)
{
    const QColor c = color.toRgb();
    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
}

double contrastRatio(const QColor &a, const QColor &b)
{
    const double la = relativeLuminance(a);
    const double lb = relativeLuminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

QColor blend(const QColor &foreground, const QColor &background, double alpha)
{
    const QColor f = foreground.toRgb();
    const QColor b = background.toRgb();
    alpha = std::clamp(alpha, 0.0, 1.0);
    return QColor::fromRgbF(float(f.redF() * alpha + b.redF() * (1 - alpha)), float(f.greenF() * alpha + b.greenF() * (1 - alpha)),
                            float(f.blueF() * alpha + b.blueF() * (1 - alpha)));
}

QList<ContrastProblem> checkTextContrast(QQuickWindow *window, const QImage &rendering, int *checked)
{
    QList<ContrastProblem> problems;
    int count = 0;
    if (!window || rendering.isNull())
        return problems;
    const QImage image = rendering.convertToFormat(QImage::Format_RGB32);
    // The grab is in device pixels; items are in logical ones.
    const double scale = double(image.width()) / std::max(1, window->width());
    QList<QQuickItem *> queue{window->contentItem()};
    while (!queue.isEmpty()) {
        QQuickItem *item = queue.takeFirst();
        if (!item->isVisible() || item->opacity() <= 0)
            continue;
        queue.append(item->childItems());
        if (!item->inherits("QQuickText") || !item->isEnabled())
            continue;
        const QString text = item->property("text").toString().trimmed();
        const double opacity = effectiveOpacity(item);
        if (text.isEmpty() || opacity <= 0.01)
            continue;
        // Only where the glyphs are: contentWidth/Height, aligned as the item draws them.
        const QRectF content(0, 0, std::min(item->width(), item->property("contentWidth").toReal()),
                             std::min(item->height(), item->property("contentHeight").toReal()));
        const QRectF scene = item->mapRectToScene(content);
        if (scene.width() < 2 || scene.height() < 2 || !scene.intersects(QRectF(0, 0, window->width(), window->height()))
            || clippedAway(item, scene)) {
            continue;
        }
        const QRect pixels = QRectF(scene.x() * scale, scene.y() * scale, scene.width() * scale, scene.height() * scale).toAlignedRect();
        const QColor background = dominantColor(image, pixels);
        QColor color = item->property("color").value<QColor>();
        color = blend(color, background, color.alphaF() * opacity);
        const QFont font = item->property("font").value<QFont>();
        const double px = font.pixelSize() > 0 ? font.pixelSize() : font.pointSizeF() * 96.0 / 72.0;
        const bool large = px >= 24 || (font.bold() && px >= 18.66);
        const double required = large ? kLargeContrast : kBodyContrast;
        const double ratio = contrastRatio(color, background);
        ++count;
        if (ratio + 1e-6 < required)
            problems.append({text.left(60), color, background, ratio, required});
    }
    if (checked)
        *checked = count;
    return problems;
}

QString describe(const ContrastProblem &problem)
{
    return u"\"%1\": %2 on %3 is %4:1, needs %5:1"_s.arg(problem.text, problem.color.name(), problem.background.name())
        .arg(problem.ratio, 0, 'f', 2)
        .arg(problem.required, 0, 'f', 1);
}

} // namespace airlock
