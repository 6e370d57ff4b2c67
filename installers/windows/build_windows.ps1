<#
.SYNOPSIS
  Build the Territory Desktop installer for Windows (per user, no administrator rights).

.DESCRIPTION
  1. PyInstaller one-folder build from installers\territory_desktop.spec (dist\territory-desktop\),
     which also compiles the routing kernels ahead of time (installers\compile_kernels.py,
     with the Visual Studio Build Tools' C compiler).
  2. Smoke test of the frozen app: territory-desktop.exe --smoke (offscreen); it opens the
     sample, draws the map, computes a drive-time matrix, schedules a rep, saves and reopens.
  3. Inno Setup 6 (ISCC.exe) packs dist\territory-desktop-VERSION-windows-x64-setup.exe.

  Needs Python 3.12 with the dev extras (py -3.12 -m venv .venv; .venv\Scripts\python -m pip
  install -e ".[dev]"), Node.js/npm for the map's web assets, and Inno Setup 6
  (https://jrsoftware.org/isinfo.php).

.EXAMPLE
  powershell -ExecutionPolicy Bypass -File installers\windows\build_windows.ps1
#>
param(
  [string]$Python = ".venv\Scripts\python.exe",
  [string]$Iscc = ""
)
$ErrorActionPreference = "Stop"
Set-Location (Resolve-Path "$PSScriptRoot\..\..")

function Invoke-Checked([string]$What, [scriptblock]$Command) {
  Write-Host "== $What"
  & $Command
  if ($LASTEXITCODE -ne 0) { throw "$What failed (exit $LASTEXITCODE)" }
}

$meta = & $Python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print(p['name'], p['version'])"
$name, $version = $meta.Trim().Split(" ")

Invoke-Checked "web assets" { & $Python scripts\install_web_assets.py }
Invoke-Checked "PyInstaller $name $version" {
  & $Python -m PyInstaller --noconfirm --distpath dist --workpath build\pyinstaller installers\territory_desktop.spec
}

# A windowed (no console) executable has no stdout: the exit status tells.
$env:QT_QPA_PLATFORM = "offscreen"
$smoke = Start-Process -FilePath "dist\$name\$name.exe" -ArgumentList "--smoke" -Wait -PassThru
Remove-Item Env:\QT_QPA_PLATFORM
if ($smoke.ExitCode -ne 0) { throw "frozen smoke test failed (exit $($smoke.ExitCode))" }
$size = (Get-ChildItem "dist\$name" -Recurse -File | Measure-Object Length -Sum).Sum / 1MB
Write-Host ("== smoke test passed; bundle {0:N0} MB" -f $size)

if (-not $Iscc) {
  $Iscc = @("${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe", "$env:ProgramFiles\Inno Setup 6\ISCC.exe",
            "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe") | Where-Object { Test-Path $_ } | Select-Object -First 1
}
if (-not $Iscc) { throw "Inno Setup 6 not found: install it or pass -Iscc C:\path\to\ISCC.exe" }
Invoke-Checked "Inno Setup" { & $Iscc "/DAppVersion=$version" installers\windows\territory_desktop.iss }
Write-Host "== dist\$name-$version-windows-x64-setup.exe"
