from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("devices", "0009_telemetry_environment")]

    operations = [
        migrations.AddField(
            model_name="cameradetails",
            name="onvif_source",
            field=models.CharField(blank=True, db_index=True, max_length=200),
        ),
    ]
