#include "languages.h"

#include <QHash>
#include <QStringList>

namespace airlock::gitlab {

namespace {

struct Language {
    const char *id;
    const char *extensions; // space-separated
    const char *editorIds;  // space-separated
};

// The languages GitLab's gateway knows, with their file extensions and editor language ids.
const Language kLanguages[] = {
    { "c", "c h", "c" },
    { "cpp", "cpp hpp c++ h++ cc hh C H", "cpp" },
    { "csharp", "cs", "csharp" },
    { "go", "go", "go" },
    { "java", "java", "java" },
    { "js", "js jsx", "javascript javascriptreact" },
    { "php", "php php3 php4 php5 phps phpt", "php" },
    { "python", "py", "python" },
    { "ruby", "rb", "ruby" },
    { "rust", "rs", "rust" },
    { "scala", "scala", "scala" },
    { "ts", "ts tsx", "typescript typescriptreact" },
    { "kotlin", "kts kt", "kotlin" },
    { "ada", "adb ads ada", "ada" },
    { "apex", "cls trigger", "apex" },
    { "arduino", "ino", "arduino" },
    { "asm", "asm s S", "asm x86asm" },
    { "awk", "awk", "awk" },
    { "bash", "sh bash", "shellscript bash" },
    { "batch", "bat cmd", "bat" },
    { "bicep", "bicep", "bicep" },
    { "c3", "c3", "c3" },
    { "cairo", "cairo", "cairo" },
    { "clojure", "clj cljs cljc", "clojure" },
    { "cobol", "cbl cob cobol", "cobol" },
    { "commonlisp", "lisp cl lsp", "commonlisp lisp" },
    { "crystal", "cr", "crystal" },
    { "cuda", "cu cuh", "cuda cuda-cpp" },
    { "d", "d", "d" },
    { "dart", "dart", "dart" },
    { "devicetree", "dts dtsi", "dts" },
    { "dockerfile", "dockerfile", "dockerfile" },
    { "elisp", "el", "emacs-lisp" },
    { "elixir", "ex exs", "elixir" },
    { "elm", "elm", "elm" },
    { "erlang", "erl hrl", "erlang" },
    { "fennel", "fnl", "fennel" },
    { "fish", "fish", "fish" },
    { "fortran", "f f90 f95 f03 f08 f77 for", "fortran FortranFreeForm" },
    { "fsharp", "fs fsi fsx", "fsharp" },
    { "gdscript", "gd", "gdscript" },
    { "gleam", "gleam", "gleam" },
    { "glsl", "glsl vert frag", "glsl" },
    { "groovy", "groovy gvy gy gsh", "groovy" },
    { "hack", "hack", "hack" },
    { "hare", "ha", "hare" },
    { "haskell", "hs lhs", "haskell" },
    { "haxe", "hx", "haxe" },
    { "hcl", "hcl", "hcl" },
    { "hlsl", "hlsl", "hlsl" },
    { "idris", "idr", "idris" },
    { "jai", "jai", "jai" },
    { "janet", "janet", "janet" },
    { "jq", "jq", "jq" },
    { "julia", "jl", "julia" },
    { "lua", "lua", "lua" },
    { "luau", "luau", "luau" },
    { "magik", "magik", "magik" },
    { "matlab", "mat", "matlab" },
    { "mojo", "mojo", "mojo" },
    { "move", "move", "move" },
    { "nim", "nim", "nim" },
    { "nix", "nix", "nix" },
    { "objc", "m mm", "objective-c objective-cpp" },
    { "ocaml", "ml mli", "ocaml" },
    { "odin", "odin", "odin" },
    { "pascal", "pas pp", "pascal objectpascal" },
    { "perl", "pl pm pod t", "perl" },
    { "pony", "pony", "pony" },
    { "powershell", "ps1 psm1 psd1", "powershell" },
    { "prolog", "pro prolog", "prolog" },
    { "purescript", "purs", "purescript" },
    { "ql", "ql qll", "ql codeql" },
    { "r", "r R", "r" },
    { "racket", "rkt", "racket" },
    { "rescript", "res resi", "rescript" },
    { "robot", "robot", "robot" },
    { "roc", "roc", "roc" },
    { "scheme", "scm ss", "scheme" },
    { "smalltalk", "st", "smalltalk" },
    { "solidity", "sol", "solidity" },
    { "sourcepawn", "sp", "sourcepawn" },
    { "sql", "sql", "sql" },
    { "starlark", "star bzl", "starlark bazel" },
    { "svelte", "svelte", "svelte" },
    { "swift", "swift", "swift" },
    { "systemverilog", "sv svh", "systemverilog" },
    { "tact", "tact", "tact" },
    { "tcl", "tcl tk", "tcl" },
    { "terraform", "tf tfvars", "terraform" },
    { "tlaplus", "tla", "tlaplus" },
    { "v", "vsh vv", "v" },
    { "vb", "vb bas vbs", "vb vbscript" },
    { "verilog", "v", "verilog" },
    { "vhdl", "vhd vhdl", "vhdl" },
    { "vim", "vim", "vim viml" },
    { "vue", "vue", "vue" },
    { "wgsl", "wgsl", "wgsl" },
    { "zig", "zig", "zig" },
    { "zsh", "zsh", "zsh" },
};

struct Tables {
    QHash<QString, QString> byExtension;
    QHash<QString, QString> byEditorId;
    Tables()
    {
        for (const Language &language : kLanguages) {
            const QString id = QLatin1String(language.id);
            for (const QString &ext : QString::fromLatin1(language.extensions).split(QLatin1Char(' ')))
                byExtension.insert(ext, id);
            for (const QString &editorId : QString::fromLatin1(language.editorIds).split(QLatin1Char(' ')))
                byEditorId.insert(editorId, id);
        }
    }
};

const Tables &tables()
{
    static const Tables t;
    return t;
}

} // namespace

QString fileExtension(const QString &fileName)
{
    const QString name = fileName.mid(fileName.lastIndexOf(QLatin1Char('/')) + 1);
    const qsizetype dot = name.lastIndexOf(QLatin1Char('.'));
    if (dot <= 0 || dot == name.size() - 1)
        return {};
    return name.mid(dot + 1);
}

QString languageId(const QString &fileName, const QString &editorLanguage)
{
    const Tables &t = tables();
    const QString fromFile = t.byExtension.value(fileExtension(fileName.trimmed()));
    if (!fromFile.isEmpty())
        return fromFile;
    return t.byEditorId.value(editorLanguage);
}

} // namespace airlock::gitlab
