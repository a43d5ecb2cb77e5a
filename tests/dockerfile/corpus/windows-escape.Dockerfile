# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
RUN powershell -Command `
    Write-Host C:\ `
    ; pip install numpy
ADD files\ C:\files\
