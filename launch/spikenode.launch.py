"""One spikenode classifier (the Python twin of spikenode.launch.xml).

    ros2 launch spikenode spikenode.launch.py image_topic:=/camera/image_raw
    ros2 launch spikenode spikenode.launch.py namespace:=front params_file:=my_params.yaml
    ros2 launch spikenode spikenode.launch.py lifecycle:=true   # managed: starts unconfigured
"""
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution, PythonExpression
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import Parameter
from launch_ros.substitutions import FindPackageShare


def generate_launch_description():
    arguments = [
        DeclareLaunchArgument(
            'model',
            default_value='fashion-mnist-lif',
            description="Model directory, or the name of a model in the package's models/ folder",
        ),
        DeclareLaunchArgument(
            'image_topic',
            default_value='image_raw',
            description='Camera topic (sensor_msgs/Image); relative names resolve in the namespace',
        ),
        DeclareLaunchArgument(
            'namespace',
            default_value='',
            description='Namespace of the node and of its relative topics, e.g. one per camera',
        ),
        DeclareLaunchArgument(
            'params_file',
            default_value=PathJoinSubstitution([FindPackageShare('spikenode'), 'launch', 'params.yaml']),
            description='ROS 2 parameters file applied before the arguments above',
        ),
        DeclareLaunchArgument(
            'lifecycle',
            default_value='false',
            description='true: the managed node (spikenode_lifecycle_node), unconfigured until '
            'ros2 lifecycle set or a lifecycle manager configures and activates it',
        ),
    ]
    # The managed variant is the same node behind its own executable.
    executable = PythonExpression([
        "'spikenode_lifecycle_node' if '",
        LaunchConfiguration('lifecycle'),
        "'.lower() in ('true', '1') else 'spikenode_node'",
    ])
    node = Node(
        package='spikenode',
        executable=executable,
        name='spikenode',
        namespace=LaunchConfiguration('namespace'),
        output='screen',
        # The parameters file, then the arguments as -p rules (a later rule wins). Not a dict:
        # launch_ros writes a dict to a file keyed by the node's full name (/front/spikenode),
        # which rclnodejs 2.2.0 does not match, so the node never saw those values.
        parameters=[
            LaunchConfiguration('params_file'),
            # Typed explicitly: a model or topic name that looks like a number stays a string.
            Parameter('model', LaunchConfiguration('model'), value_type=str),
            Parameter('image_topic', LaunchConfiguration('image_topic'), value_type=str),
        ],
    )
    return LaunchDescription(arguments + [node])
