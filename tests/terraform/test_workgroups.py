"""Terraform's aws_athena_workgroup against athena-emu, end to end.

Two workgroups (SQL and Spark) with a description, tags, a configuration and state DISABLED:
`terraform apply`, then `terraform plan -detailed-exitcode` reports no changes; an update
(description, one tag removed) applies and converges; a workgroup deleted outside Terraform is
re-created; `terraform destroy` removes both. boto3 checks what the emulator holds after each
step. The provider is configured as README.md shows (only the athena endpoint overridden,
no STS, no metadata service) and installed from a filesystem mirror, never the network.

Run: python3 tests/terraform/test_workgroups.py (ATHENA_EMU_BIN names the binary). Exits 77
(skipped, reason printed) when terraform, the mirrored hashicorp/aws provider or boto3 is
missing.
"""

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'integration', 'python'))

SKIP = 77
MIRROR = os.environ.get('ATHENA_TF_PLUGIN_MIRROR', '/opt/tf-plugins')
ACCOUNT = '123456789012'
TF_TIMEOUT_S = 600

CLI_CONFIG = '''provider_installation {
  filesystem_mirror {
    path    = "%s"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/*/*"]
  }
}
'''

PROVIDER = '''terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {
    athena = "%s"
  }
}
'''

WORKGROUPS = '''
resource "aws_athena_workgroup" "sql" {
  name        = "tf-sql"
  description = "%(sql_description)s"
  state       = "DISABLED"
  tags        = %(sql_tags)s
  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = 10485760
    result_configuration {
      output_location = "s3://tf-results/sql/"
    }
  }
}

resource "aws_athena_workgroup" "spark" {
  name        = "tf-spark"
  description = "Spark workgroup from Terraform"
  state       = "DISABLED"
  tags        = { team = "ml" }
  configuration {
    execution_role = "arn:aws:iam::123456789012:role/tf-spark"
    engine_version {
      selected_engine_version = "PySpark engine version 3"
    }
    result_configuration {
      output_location = "s3://tf-results/spark/"
    }
  }
}
'''


def missing_prerequisite():
    if shutil.which('terraform') is None:
        return 'no `terraform` on PATH'
    if not glob.glob(os.path.join(MIRROR, 'registry.terraform.io', 'hashicorp', 'aws', '*', '*')):
        return 'no hashicorp/aws provider under %s (ATHENA_TF_PLUGIN_MIRROR)' % MIRROR
    try:
        import boto3  # noqa: F401
    except ImportError:
        return 'this python3 cannot import boto3'
    return None


class TerraformWorkgroupTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from emulator import Emulator
        # The system clock: the provider's waiters and timestamps expect time to pass.
        cls.emu = Emulator(fixtures='none', clock='system', start_time=None).start()
        cls.athena = cls.emu.client(access_key='test')
        cls.dir = tempfile.mkdtemp(prefix='athena-emu-tf-')
        with open(os.path.join(cls.dir, 'cli.tfrc'), 'w') as fh:
            fh.write(CLI_CONFIG % MIRROR)
        cls.env = dict(os.environ, TF_CLI_CONFIG_FILE=os.path.join(cls.dir, 'cli.tfrc'),
                       TF_IN_AUTOMATION='1', CHECKPOINT_DISABLE='1',
                       TF_DATA_DIR=os.path.join(cls.dir, '.terraform'))
        for k in ('AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_ATHENA', 'HTTPS_PROXY', 'HTTP_PROXY'):
            cls.env.pop(k, None)

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)
        shutil.rmtree(cls.dir, ignore_errors=True)

    # -- helpers ---------------------------------------------------------
    def write_config(self, sql_description, sql_tags):
        tags = '{ %s }' % ', '.join('%s = "%s"' % kv for kv in sorted(sql_tags.items()))
        with open(os.path.join(self.dir, 'main.tf'), 'w') as fh:
            fh.write(PROVIDER % self.emu.url)
            fh.write(WORKGROUPS % {'sql_description': sql_description, 'sql_tags': tags})

    def tf(self, *args, expect=(0,)):
        p = subprocess.run(['terraform', *args, '-no-color', '-input=false'], cwd=self.dir, env=self.env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=TF_TIMEOUT_S)
        self.assertIn(p.returncode, expect,
                      'terraform %s exited %d:\n%s\n--- emulator log ---\n%s' %
                      (' '.join(args), p.returncode, p.stdout[-6000:], self.emu.stderr_text()[-4000:]))
        return p

    def workgroup(self, name):
        return self.athena.get_work_group(WorkGroup=name)['WorkGroup']

    def tags(self, name):
        arn = 'arn:aws:athena:us-east-1:%s:workgroup/%s' % (ACCOUNT, name)
        return {t['Key']: t['Value'] for t in self.athena.list_tags_for_resource(ResourceARN=arn)['Tags']}

    def names(self):
        return sorted(w['Name'] for w in self.athena.list_work_groups()['WorkGroups'])

    # -- the story -------------------------------------------------------
    def test_apply_plan_update_recreate_destroy(self):
        self.write_config('SQL workgroup from Terraform', {'team': 'data', 'env': 'test'})
        self.tf('init')
        out = self.tf('apply', '-auto-approve').stdout
        self.assertIn('Apply complete! Resources: 2 added, 0 changed, 0 destroyed.', out)
        sql = self.workgroup('tf-sql')
        self.assertEqual(sql['State'], 'DISABLED')
        self.assertEqual(sql['Description'], 'SQL workgroup from Terraform')
        self.assertEqual(sql['Configuration']['ResultConfiguration']['OutputLocation'], 's3://tf-results/sql/')
        self.assertEqual(sql['Configuration']["BytesScannedCutoffPerQuery"], 10485760)
        self.assertIs(sql['Configuration']['EnforceWorkGroupConfiguration'], True)
        self.assertIs(sql['Configuration']['PublishCloudWatchMetricsEnabled'], True)
        self.assertEqual(self.tags('tf-sql'), {'team': 'data', 'env': 'test'})
        spark = self.workgroup('tf-spark')
        self.assertEqual(spark['State'], 'DISABLED')
        self.assertEqual(spark['Configuration']['EngineVersion']['SelectedEngineVersion'], 'PySpark engine version 3')
        self.assertEqual(spark['Configuration']['ExecutionRole'], 'arn:aws:iam::123456789012:role/tf-spark')
        self.assertEqual(self.tags('tf-spark'), {'team': 'ml'})

        # What Terraform reads back matches what it wrote: no changes.
        self.tf('plan', '-detailed-exitcode')

        # An update: another description, one tag removed.
        self.write_config('SQL workgroup, updated', {'team': 'data'})
        out = self.tf('apply', '-auto-approve').stdout
        self.assertIn('Apply complete! Resources: 0 added, 1 changed, 0 destroyed.', out)
        self.assertEqual(self.workgroup('tf-sql')['Description'], 'SQL workgroup, updated')
        self.assertEqual(self.tags('tf-sql'), {'team': 'data'})
        self.tf('plan', '-detailed-exitcode')

        # Deleted outside Terraform: the next apply re-creates it.
        self.athena.delete_work_group(WorkGroup='tf-sql', RecursiveDeleteOption=True)
        self.assertEqual(self.names(), ['primary', 'tf-spark'])
        out = self.tf('apply', '-auto-approve').stdout
        self.assertIn('Apply complete! Resources: 1 added, 0 changed, 0 destroyed.', out)
        self.assertEqual(self.workgroup('tf-sql')['Description'], 'SQL workgroup, updated')
        self.assertEqual(self.tags('tf-sql'), {'team': 'data'})

        out = self.tf('destroy', '-auto-approve').stdout
        self.assertIn('Destroy complete! Resources: 2 destroyed.', out)
        self.assertEqual(self.names(), ['primary'])


if __name__ == '__main__':
    reason = missing_prerequisite()
    if reason:
        print('SKIPPED: terraform test: %s' % reason)
        sys.exit(SKIP)
    unittest.main(verbosity=2)
