#pragma once

// The language a code suggestion is for, as GitLab's AI gateway names it in the answer's `model.lang`
// (lower-case language ids such as "python", "js", "ts", "cpp", "csharp"): from the file name's
// extension first, else from the editor's language identifier (VS Code's ids: "python",
// "typescriptreact", "shellscript", ...), else empty. Extensions and editor ids match exactly (case
// matters: ".C" is C++, ".c" is C), as GitLab's gateway matches them.

#include <QString>

namespace airlock::gitlab {

// The extension of the last path component, without the dot: "" for "Makefile", ".bashrc" and "a.".
QString fileExtension(const QString &fileName);

QString languageId(const QString &fileName, const QString &editorLanguage);

} // namespace airlock::gitlab
