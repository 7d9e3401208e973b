namespace Dxmig.GraphEmulator;

/// <summary>Operation kind names of the drive endpoints, as counted in <see cref="EmulatorStats"/> (under the user's UPN, or "" for a library).</summary>
public static class DriveOperations
{
    public const string GetDrive = "getDrive";
    public const string GetItem = "getDriveItem";
    public const string ListChildren = "listChildren";
    public const string CreateFolder = "createDriveFolder";
    public const string UpdateItem = "updateDriveItem";
    public const string DeleteItem = "deleteDriveItem";
    public const string PutContent = "putContent";
    public const string CreateUploadSession = "createDriveUploadSession";
    public const string UploadFragment = "uploadFragment";
    public const string UploadStatus = "driveUploadStatus";
    public const string CancelUpload = "cancelDriveUpload";
    public const string GetSite = "getSite";
    public const string ListDrives = "listDrives";
}
