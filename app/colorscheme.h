#pragma once

// Light and dark: the console follows the system palette (the platform theme's, which Qt Quick Controls
// and the QML Theme read), unless --color-scheme light|dark asks for one (a desktop whose platform theme
// passes no dark palette to Qt; the UI test). Either way the colour pairs the console relies on are made
// readable (readablePalette). In System mode SystemColorScheme (systemcolorscheme.h) then follows the
// desktop's switches between light and dark while the console runs. The contrast check measures the text
// of a rendered window, as the UI test and the tour (airlock-admin --tour) do for every page.

#include "result.h"

#include <QColor>
#include <QList>
#include <QPalette>
#include <QString>

class QImage;
class QQuickWindow;

namespace airlock {

enum class ColorScheme { System, Light, Dark };

// "system", "light", "dark"; the error names the option.
Result<ColorScheme> colorSchemeFromName(const QString &name);
QPalette lightPalette();
QPalette darkPalette();
// `palette` with the pairs whose contrast is too low for text (highlighted text on the highlight,
// placeholder text on a field) moved apart until they reach 4.5:1; the other colours untouched.
QPalette readablePalette(QPalette palette);
// Sets the application palette for `scheme` (System: the platform's, made readable).
void applyColorScheme(ColorScheme scheme);

// WCAG 2 relative luminance (0 black … 1 white) and contrast ratio (1 … 21).
double relativeLuminance(const QColor &color);
double contrastRatio(const QColor &a, const QColor &b);
// `foreground` drawn with `alpha` (0…1) over an opaque `background`.
QColor blend(const QColor &foreground, const QColor &background, double alpha);

struct ContrastProblem
{
    QString text;       // the text shown (shortened)
    QColor color;       // as drawn (the item's colour with its opacity over the background)
    QColor background;  // the most common colour under the item in the rendering
    double ratio = 0;
    double required = 0; // 4.5, or 3 for large text (24 px, or 18.7 px bold)
};

// Every visible, enabled text item of `window` (Text, Label, placeholder texts) against `rendering`, a
// grab of that window: the ones below the required contrast. `checked` (optional) counts the items
// measured, so a caller can tell a clean window from an empty one.
QList<ContrastProblem> checkTextContrast(QQuickWindow *window, const QImage &rendering, int *checked = nullptr);
QString describe(const ContrastProblem &problem);

} // namespace airlock
