; Inno Setup 6 script for Territory Desktop: a per-user install (no administrator rights) of the
; PyInstaller one-folder build, with a Start menu entry and .gpkg plans opening in the app.
; Built by build_windows.ps1, which passes the version read from pyproject.toml:
;   ISCC.exe /DAppVersion=0.1.0 installers\windows\territory_desktop.iss
; Paths are relative to this file.

#define AppName "Territory Desktop"
#define AppExe "territory-desktop.exe"
#define ProgId "TerritoryDesktop.Plan"
#ifndef AppVersion
  #error Pass the version: ISCC /DAppVersion=X.Y.Z (build_windows.ps1 does)
#endif

[Setup]
AppId={{25D3D47C-ADDB-5B87-987A-ED0FC07B6D71}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Territory Desktop
; Per user: {autopf} is %LOCALAPPDATA%\Programs and the registry root HKA is HKCU.
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppName}
DisableProgramGroupPage=yes
DisableDirPage=auto
MinVersion=10.0
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=territory-desktop-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\build\pyinstaller\territory_desktop\icons\territory-desktop.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
WizardStyle=modern
; ~650 MB of Qt, Python and libraries: fast LZMA keeps the build in minutes.
Compression=lzma2/fast
SolidCompression=yes
ChangesAssociations=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "..\..\dist\territory-desktop\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Offline field sales territory planning"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Registry]
; .gpkg plans: offered in "Open with" and opened by the app. Windows lets the user, not an
; installer, choose the default for an extension (QGIS opens GeoPackages too).
Root: HKA; Subkey: "Software\Classes\.gpkg\OpenWithProgids"; ValueType: string; ValueName: "{#ProgId}"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\{#ProgId}"; ValueType: string; ValueName: ""; ValueData: "Territory plan (GeoPackage)"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\{#ProgId}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"",0"
Root: HKA; Subkey: "Software\Classes\{#ProgId}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\SupportedTypes"; ValueType: string; ValueName: ".gpkg"; ValueData: ""; Flags: uninsdeletekey

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
